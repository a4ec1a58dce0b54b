# Compiler flags shared by every target of the project.
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_C_VISIBILITY_PRESET hidden)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()
include(GNUInstallDirs)

add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter)
add_compile_definitions(_GNU_SOURCE)
if(GENRT_WERROR)
  add_compile_options(-Werror)
endif()
if(GENRT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Where the build tree puts things: libraries and plugins side by side, as after install.
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
set(CMAKE_ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
set(CMAKE_BUILD_RPATH ${CMAKE_BINARY_DIR}/lib)
set(CMAKE_INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
# Plugins are found beside libgenrt.so: ${GENRT_PLUGIN_DIR} relative to the library directory.
set(GENRT_PLUGIN_SUBDIR "genrt/plugins")
set(GENRT_PLUGIN_BUILD_DIR ${CMAKE_BINARY_DIR}/lib/${GENRT_PLUGIN_SUBDIR})

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)

# genrt_add_plugin(<target> <sources...>): a device plugin shared object, placed where the core
# discovers it (build tree and install tree), built against abi/ only.
function(genrt_add_plugin target)
  add_library(${target} MODULE ${ARGN})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/abi)
  set_target_properties(${target} PROPERTIES PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${GENRT_PLUGIN_BUILD_DIR})
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/${GENRT_PLUGIN_SUBDIR})
endfunction()
