# genrt_add_test(NAME <name> COMMAND <cmd...> [LABELS <labels...>] [ENV <k=v...>])
# The one helper that registers a test. Exit code 77 means "skipped" (the test says why).
# Every test gets GENRT_SHARED_DIR (where ../shared lives; see README) in its environment. The
# build tree's plugins are found without GENRT_PLUGIN_PATH: they sit in lib/genrt/plugins beside
# lib/libgenrt.so, exactly as after install.
set(GENRT_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH "Path of the shared/ folder (models, tokenizers)")
function(genrt_add_test)
  cmake_parse_arguments(T "" "NAME" "COMMAND;LABELS;ENV" ${ARGN})
  add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  set(env "GENRT_SHARED_DIR=${GENRT_SHARED_DIR}" ${T_ENV})
  if(GENRT_SANITIZE)
    list(APPEND env "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0" "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endif()
  set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77 LABELS "${T_LABELS}" ENVIRONMENT "${env}" TIMEOUT 600)
endfunction()
