# The ExecuTorch runtime as one interface target, bluev_executorch, for either route.

if(BLUEV_EXECUTORCH_SOURCE_BUILD)
  # The user's ExecuTorch build (`cmake --install` of executorch with EXECUTORCH_BUILD_XNNPACK,
  # _KERNELS_OPTIMIZED, _KERNELS_QUANTIZED, _KERNELS_LLM, _EXTENSION_MODULE, _EXTENSION_TENSOR,
  # _EXTENSION_DATA_LOADER ON): its in-tree package config names the targets without a namespace.
  find_package(executorch CONFIG REQUIRED)
  add_library(bluev_executorch INTERFACE)
  target_link_libraries(bluev_executorch INTERFACE
    executorch extension_module_static extension_data_loader extension_tensor
    extension_threadpool xnnpack_backend)
  # Kernel libraries register their operators from static initialisers that nothing refers
  # to: they must be linked whole.
  foreach(_kernels optimized_native_cpu_ops_lib quantized_ops_lib custom_ops)
    if(NOT TARGET ${_kernels})
      message(FATAL_ERROR "ExecuTorch build has no ${_kernels}: configure it with "
                          "EXECUTORCH_BUILD_KERNELS_OPTIMIZED, _QUANTIZED and _LLM ON")
    endif()
    target_link_libraries(bluev_executorch INTERFACE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${_kernels}>")
  endforeach()
  return()
endif()

set(BLUEV_EXECUTORCH_DIR "" CACHE PATH
    "An executorch wheel's package directory (the one holding include/, lib/, share/cmake/)")
if(NOT EXISTS "${BLUEV_EXECUTORCH_DIR}/share/cmake/executorch-config.cmake")
  message(FATAL_ERROR "BLUEV_EXECUTORCH_DIR='${BLUEV_EXECUTORCH_DIR}' is not an executorch wheel "
                      "directory (no share/cmake/executorch-config.cmake)")
endif()
find_package(executorch CONFIG REQUIRED PATHS "${BLUEV_EXECUTORCH_DIR}/share/cmake"
             NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)

add_library(bluev_executorch INTERFACE)
# The variables work on every CMake; the wheel's imported targets only exist on >= 3.28, where
# EXECUTORCH_LIBRARIES names them instead of the files.
target_include_directories(bluev_executorch SYSTEM INTERFACE ${EXECUTORCH_INCLUDE_DIRS})
target_compile_definitions(bluev_executorch INTERFACE ${EXECUTORCH_COMPILE_DEFINITIONS})
target_link_libraries(bluev_executorch INTERFACE ${EXECUTORCH_LIBRARIES})
# The quantized kernels (quantized_decomposed::embedding_byte ...) are opt-in in the wheel.
if(TARGET executorch::kernels_quantized)
  target_link_libraries(bluev_executorch INTERFACE executorch::kernels_quantized)
elseif(EXECUTORCH_QUANTIZED_KERNELS_LIBRARY)
  target_link_libraries(bluev_executorch INTERFACE ${EXECUTORCH_QUANTIZED_KERNELS_LIBRARY})
else()
  message(FATAL_ERROR "${BLUEV_EXECUTORCH_DIR}: the wheel has no quantized kernels library")
endif()
if(NOT TARGET executorch::runtime)
  # Found by path: the runtime's own directory must be on the binary's search path.
  set(CMAKE_BUILD_RPATH "${EXECUTORCH_RUNTIME_LIBRARY_DIR}")
endif()
