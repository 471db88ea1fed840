# Writes OUT (a .cpp) with every *.tmpl of DIR as {name, text} pairs.
include(${CMAKE_CURRENT_LIST_DIR}/../../../cmake/embed_files.cmake)
file(GLOB files ${DIR}/*.tmpl)
embed_files(entries count orderly_tmpl NAME_WE NO_ETAG ${files})
file(WRITE ${OUT} "// Generated from ${DIR}; edit those files.\n#include <string_view>\n#include <utility>\nnamespace orderly::api::notify::email {\nextern const std::pair<std::string_view, std::string_view> kEmailTemplates[];\nextern const int kEmailTemplateCount;\nconst std::pair<std::string_view, std::string_view> kEmailTemplates[] = {\n${entries}};\nconst int kEmailTemplateCount = ${count};\n}  // namespace orderly::api::notify::email\n")
