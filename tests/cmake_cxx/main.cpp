// main.cpp: the C++ program of tests/cmake_cxx; the network is compiled as C.
#include <cstdio>

#include "tiny.h"

int main()
{
    static tiny_params p = {};
    tiny_input x = {};
    tiny_output y;
    for (int i = 0; i < TINY_IN; ++i)
        x.v[i] = 1.0;
    std::printf("sizes %d %d %d class %d\n", TINY_IN, TINY_L1, TINY_OUT, tiny_predict(&y, &p, &x));
    return 0;
}
