# Writes OUT (a .cpp) with every page file of DIR (*.html, *.js, *.css,
# *.svg) as {name, strong ETag, text}: the shop's web pages ship inside the
# binary, and the ETag (a hash of the content) changes exactly when a file
# does, so browsers revalidate cheaply and never keep a stale module.
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/embed_files.cmake)
file(GLOB files ${DIR}/*.html ${DIR}/*.js ${DIR}/*.css ${DIR}/*.svg)
embed_files(entries count orderly_web NAME ETAG ${files})
file(WRITE ${OUT} "// Generated from ${DIR}; edit those files.\n#include \"api/rest/routes/web_assets.h\"\nnamespace orderly::api::rest::routes {\nconst WebAsset kWebAssets[] = {\n${entries}};\nconst size_t kWebAssetCount = ${count};\n}  // namespace orderly::api::rest::routes\n")
