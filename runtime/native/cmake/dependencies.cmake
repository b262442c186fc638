# Debian's libraries (native or arm64 multiarch): PCRE2 for the tokenizer's pre-tokenizer
# regex, nlohmann-json for manifest.json and tokenizer.json, libjpeg-turbo and libpng for images.
find_package(nlohmann_json 3 REQUIRED)
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
find_path(PCRE2_INCLUDE_DIR pcre2.h REQUIRED)
find_library(PCRE2_LIBRARY pcre2-8 REQUIRED)

add_library(bluev_deps INTERFACE)
target_include_directories(bluev_deps INTERFACE ${PCRE2_INCLUDE_DIR})
target_compile_definitions(bluev_deps INTERFACE PCRE2_CODE_UNIT_WIDTH=8)
target_link_libraries(bluev_deps INTERFACE nlohmann_json::nlohmann_json JPEG::JPEG PNG::PNG
                      ${PCRE2_LIBRARY})
