# Install rules and packaging: headers, libgenrt (+ SONAME links), the genrt tool, a CMake package
# (find_package(GenRT) -> GenRT::genrt) and a pkg-config file (genrt.pc).
#
# Installed layout (relative to the prefix; libdir from GNUInstallDirs):
#   include/genrt/*.h                   public API (core/include/genrt) + plugin ABI (abi/genrt)
#   <libdir>/libgenrt.so*               the core
#   <libdir>/genrt/plugins/*.so         device plugins (genrt_add_plugin installs them); the core
#                                       finds them beside itself
#   <bindir>/genrt                      the CLI (RPATH $ORIGIN/../<libdir>)
#   <libdir>/cmake/GenRT/               GenRTConfig.cmake, GenRTConfigVersion.cmake, GenRTTargets.cmake
#   <libdir>/pkgconfig/genrt.pc
# Both package files are relocatable: they locate the prefix relative to themselves.
include(CMakePackageConfigHelpers)

set(GENRT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/GenRT)

file(GLOB GENRT_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/core/include/genrt/*.h)
file(GLOB GENRT_ABI_HEADERS ${PROJECT_SOURCE_DIR}/abi/genrt/*.h)
install(FILES ${GENRT_PUBLIC_HEADERS} ${GENRT_ABI_HEADERS}
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/genrt)

install(TARGETS genrt EXPORT GenRTTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT GenRTTargets NAMESPACE GenRT:: DESTINATION ${GENRT_INSTALL_CMAKEDIR})

# GenRTConfig.cmake: imports GenRT::genrt (include dir attached) and tells where plugins live.
set(GENRT_CONFIG_CONTENT [=[
# GenRT CMake package. Provides the imported target GenRT::genrt (libgenrt + include dir) and
# GenRT_PLUGIN_DIR (the directory the installed core loads device plugins from).
include("${CMAKE_CURRENT_LIST_DIR}/GenRTTargets.cmake")
get_filename_component(_genrt_prefix "${CMAKE_CURRENT_LIST_DIR}/@GENRT_CMAKEDIR_TO_PREFIX@" ABSOLUTE)
set(GenRT_INCLUDE_DIRS "${_genrt_prefix}/@CMAKE_INSTALL_INCLUDEDIR@")
set(GenRT_LIBRARIES GenRT::genrt)
set(GenRT_PLUGIN_DIR "${_genrt_prefix}/@CMAKE_INSTALL_LIBDIR@/@GENRT_PLUGIN_SUBDIR@")
unset(_genrt_prefix)
]=])
file(RELATIVE_PATH GENRT_CMAKEDIR_TO_PREFIX "/p/${GENRT_INSTALL_CMAKEDIR}" "/p")
file(RELATIVE_PATH GENRT_PCDIR_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" GENRT_CMAKEDIR_TO_PREFIX "${GENRT_CMAKEDIR_TO_PREFIX}")
string(REGEX REPLACE "/$" "" GENRT_PCDIR_TO_PREFIX "${GENRT_PCDIR_TO_PREFIX}")
string(CONFIGURE "${GENRT_CONFIG_CONTENT}" GENRT_CONFIG_CONTENT @ONLY)
file(WRITE ${PROJECT_BINARY_DIR}/package/GenRTConfig.cmake "${GENRT_CONFIG_CONTENT}")
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/GenRTConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/GenRTConfig.cmake
  ${PROJECT_BINARY_DIR}/package/GenRTConfigVersion.cmake
  DESTINATION ${GENRT_INSTALL_CMAKEDIR})

# genrt.pc: ${pcfiledir} keeps it valid wherever the tree is installed (cmake --install --prefix).
file(WRITE ${PROJECT_BINARY_DIR}/package/genrt.pc
"prefix=\${pcfiledir}/${GENRT_PCDIR_TO_PREFIX}
exec_prefix=\${prefix}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}
plugindir=\${libdir}/${GENRT_PLUGIN_SUBDIR}

Name: GenRT
Description: Plugin-based inference runtime for generative AI
Version: ${PROJECT_VERSION}
Libs: -L\${libdir} -lgenrt
Cflags: -I\${includedir}
")
install(FILES ${PROJECT_BINARY_DIR}/package/genrt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
