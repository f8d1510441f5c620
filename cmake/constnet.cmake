# cmake/constnet.cmake: generate a constnet network as part of a CMake build.
#
#   include(path/to/constnet/cmake/constnet.cmake)
#   constnet_generate(mnist SPEC nets/mnist.lua OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/mnist
#                     [LUA lua5.4])
#   add_executable(app main.c ${mnist_SOURCES} mnist_weights.c)
#   target_include_directories(app PRIVATE ${mnist_INCLUDE_DIR})
#   target_compile_definitions(app PRIVATE MNIST_INFERENCE_ONLY)   # no training code
#   target_link_libraries(app PRIVATE m)                             # expf, tanhf, ...
#
# constnet_generate(NAME SPEC spec OUTPUT_DIR dir [LUA exe]) adds a custom
# command that runs the generator (gen/constnet.lua) on spec and writes
# dir/NAME.h and dir/NAME.c; NAME becomes the prefix of every C identifier
# (the generator's --name). The command depends on the spec, on every
# generator module and on every template, so editing any of them regenerates
# at the next build. It sets, in the caller's scope:
#
#   NAME_SOURCES      dir/NAME.c
#   NAME_HEADERS      dir/NAME.h
#   NAME_INCLUDE_DIR  dir
#
# As with any add_custom_command, the generated files must be used by targets
# defined in the same CMakeLists.txt that calls constnet_generate. A relative
# SPEC is taken from the current source directory. The trained weights are
# not generated here: export them once with the trainer
# (out/NAME/NAME export --load MODEL) and add NAME_weights.c to the sources.
#
# The generator is CONSTNET_ROOT/gen/constnet.lua; CONSTNET_ROOT defaults to
# the checkout this file is in. The Lua interpreter is LUA if given, else the cache variable CONSTNET_LUA,
# found as lua5.4 (or lua54, or lua); it must be Lua 5.4 with the argparse
# module (Debian: lua5.4 lua-argparse).

if(CMAKE_VERSION VERSION_LESS 3.13)
  message(FATAL_ERROR "constnet.cmake needs CMake 3.13 or newer")
endif()

# The generated sources are C: a project(x CXX) without C would drop them
# silently and fail at link time. Enable C here, where it is still allowed
# (file scope); constnet_generate stops with a clear message if it is not.
get_property(_constnet_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if(NOT "C" IN_LIST _constnet_languages)
  message(STATUS "constnet: enabling C for the generated sources (add C to project() to say so yourself)")
  enable_language(C)
endif()

# The checkout this file is in, unless the project says otherwise.
if(NOT CONSTNET_ROOT)
  get_filename_component(CONSTNET_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

function(constnet_generate name)
  cmake_parse_arguments(PARSE_ARGV 1 CN "" "SPEC;OUTPUT_DIR;LUA" "")
  if(CN_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "constnet_generate(${name}): unknown arguments: ${CN_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "constnet_generate(${name}): the name must be a C identifier")
  endif()
  if(NOT CN_SPEC OR NOT CN_OUTPUT_DIR)
    message(FATAL_ERROR "constnet_generate(${name}): SPEC and OUTPUT_DIR are required")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "C" IN_LIST languages)
    message(FATAL_ERROR "constnet_generate(${name}): ${name}.c is C, and C is not enabled in this project; "
                        "add C to project(), as in project(app C CXX), or call enable_language(C)")
  endif()
  get_filename_component(spec "${CN_SPEC}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  # the banner records the spec relative to the project, so that the same
  # spec generates the same bytes on every machine
  file(RELATIVE_PATH spec_name "${CMAKE_SOURCE_DIR}" "${spec}")
  get_filename_component(outdir "${CN_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  if(NOT EXISTS "${spec}")
    message(FATAL_ERROR "constnet_generate(${name}): ${spec}: no such spec")
  endif()

  set(lua "${CN_LUA}")
  if(NOT lua)
    find_program(CONSTNET_LUA NAMES lua5.4 lua54 lua DOC "Lua 5.4 interpreter for constnet")
    if(NOT CONSTNET_LUA)
      message(FATAL_ERROR "constnet_generate(${name}): no Lua 5.4 found; install lua5.4 or pass LUA")
    endif()
    set(lua "${CONSTNET_LUA}")
  endif()

  set(gen "${CONSTNET_ROOT}/gen/constnet.lua")
  if(NOT EXISTS "${gen}")
    message(FATAL_ERROR "constnet_generate(${name}): ${gen} not found; set CONSTNET_ROOT")
  endif()
  # Every module and template the generator reads; CONFIGURE_DEPENDS re-globs
  # when one is added or removed.
  file(GLOB gen_deps CONFIGURE_DEPENDS "${CONSTNET_ROOT}/gen/*.lua" "${CONSTNET_ROOT}/templates/*.tpl")

  set(h "${outdir}/${name}.h")
  set(c "${outdir}/${name}.c")
  add_custom_command(
    OUTPUT "${h}" "${c}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${outdir}"
    COMMAND "${lua}" "${gen}" -q "${spec}" --name "${name}" --spec-name "${spec_name}" -o "${outdir}"
    DEPENDS "${spec}" ${gen_deps}
    COMMENT "constnet: generating ${name}.h and ${name}.c from ${CN_SPEC}"
    VERBATIM)

  set(${name}_SOURCES "${c}" PARENT_SCOPE)
  set(${name}_HEADERS "${h}" PARENT_SCOPE)
  set(${name}_INCLUDE_DIR "${outdir}" PARENT_SCOPE)
endfunction()
