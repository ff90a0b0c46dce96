# The installable SDK (see the comment where CMakeLists.txt includes this file).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# A shared library needs a source of its own; everything else comes whole from the archives.
file(WRITE ${CMAKE_BINARY_DIR}/sdk/anchor.cpp "// libragppo-rag.so / libragppo-rl.so: whole static archives, see cmake/sdk.cmake\n")
set(_sdk_lib_dir ${CMAKE_BINARY_DIR}/sdk/lib)

# Installed, each library finds its neighbours beside it ($ORIGIN); libtorch and Arrow
# where this build found them (the torch and pyarrow wheels of the build-tools venv).
set(_sdk_rpath "$ORIGIN" "${RAGPPO_PYARROW_DIR}")
set(_sdk_rl_rpath ${_sdk_rpath})
if(RAGPPO_WITH_TORCH)
  list(APPEND _sdk_rl_rpath "${TORCH_INSTALL_PREFIX}/lib")
endif()

add_library(ragppo-rag-shared SHARED ${CMAKE_BINARY_DIR}/sdk/anchor.cpp)
target_link_libraries(ragppo-rag-shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,ragppo-core,ragppo-rag>")
target_include_directories(ragppo-rag-shared INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(ragppo-rag-shared INTERFACE cxx_std_20)
set_target_properties(ragppo-rag-shared PROPERTIES OUTPUT_NAME ragppo-rag EXPORT_NAME rag
                      LIBRARY_OUTPUT_DIRECTORY ${_sdk_lib_dir} INSTALL_RPATH "${_sdk_rpath}")

# libragppo-rl.so holds rl/ alone: the core comes from libragppo-rag.so, linked first,
# so the linker takes no copy of it from the core's archive.
add_library(ragppo-rl-shared SHARED ${CMAKE_BINARY_DIR}/sdk/anchor.cpp)
target_link_libraries(ragppo-rl-shared PUBLIC ragppo-rag-shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,ragppo-rl>")
set_target_properties(ragppo-rl-shared PROPERTIES OUTPUT_NAME ragppo-rl EXPORT_NAME rl
                      LIBRARY_OUTPUT_DIRECTORY ${_sdk_lib_dir} INSTALL_RPATH "${_sdk_rl_rpath}")
set_target_properties(llama ggml ggml-base llama-common PROPERTIES INSTALL_RPATH "$ORIGIN")

install(TARGETS ragppo-rag-shared ragppo-rl-shared EXPORT ragppoTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
# Their headers are llama.cpp's, not part of our face: left to a component nobody installs.
install(TARGETS llama ggml ggml-base llama-common LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
        PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/llama.cpp COMPONENT llama-cpp-headers)
install(DIRECTORY ${CMAKE_BINARY_DIR}/bin/ DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
        FILES_MATCHING PATTERN "libggml-cpu*.so" PATTERN "libmtmd.so*")
install(EXPORT ragppoTargets NAMESPACE ragppo:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ragppo COMPONENT sdk)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/ragppoConfig.cmake.in ${CMAKE_BINARY_DIR}/sdk/ragppoConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ragppo)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sdk/ragppoConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/sdk/ragppoConfig.cmake ${CMAKE_BINARY_DIR}/sdk/ragppoConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ragppo COMPONENT sdk)
