/* misuse.c: wrong wiring of the generated API for tests/specs/tiny.lua
 * (3 -> 4 tanh -> 2 sigmoid) and tests/specs/tiny_cnn.lua (conv, pool,
 * dropout, flatten). test_compile builds it once per CASE: case 0 is
 * correct use and must compile; every other case must be rejected by the
 * compiler, the way Matrix<5,2> * Matrix<3,3> is rejected by rustc. */
#include "tiny.h"
#include "tiny_cnn.h"

double misuse(void);

double misuse(void)
{
    static tiny_params p;
    static tiny_grads g;
    static tiny_deltas d;
    static tiny_acts a;
    static tiny_input x;
    static tiny_output y;
    static tiny_target t;
    static tiny_cnn_params cp;
    static tiny_cnn_acts ca;
    static tiny_cnn_batch_acts cb;
    static tiny_cnn_input cx;
#if CASE == 0 /* correct use */
    tiny_forward(&a, &p, &x);
    (void)tiny_predict(&y, &p, &x);
    double loss = tiny_backward(&g, &d, &p, &a, &x, &t);
    tiny_sgd(&p, &g, 0.1);
    tiny_cnn_draw_masks(&ca, 0, 0);
    tiny_cnn_batch_draw_masks(&cb, 0, 0);
    tiny_cnn_forward_train(&ca, &cp, &cx);
    return loss + tiny_train_step(&p, &d, &a, &x, &t, 0.1);
#elif CASE == 1 /* the output fed to the forward pass as its input */
    tiny_forward(&a, &p, &y);
#elif CASE == 2 /* layer 2's weights where layer 1's belong */
    p.l1 = p.l2;
#elif CASE == 3 /* the parameters updated with parameters, not gradients */
    tiny_sgd(&p, &p, 0.1);
#elif CASE == 4 /* a target where the output is written */
    (void)tiny_predict(&t, &p, &x);
#elif CASE == 5 /* a hidden layer's activations as the network input */
    tiny_forward(&a, &p, &a.l1);
#elif CASE == 6 /* gradients where the parameters are read */
    tiny_forward(&a, &g, &x);
#elif CASE == 7 /* a max pool's output fed where the image (a conv's input) is due */
    tiny_cnn_forward(&ca, &cp, &ca.l2);
#elif CASE == 8 /* one convolution's kernels where another's belong */
    cp.l1 = cp.l4;
#elif CASE == 9 /* a batch's dropout masks drawn through the per-sample function */
    tiny_cnn_draw_masks(&cb, 0, 0);
#endif
    return 0.0;
}
