# Writes OUT (a .cpp) with every page file of DIR (*.html, *.js, *.css,
# *.svg) as {name, strong ETag, text}: the shop's web pages ship inside the
# binary, and the ETag (a hash of the content) changes exactly when a file
# does, so browsers revalidate cheaply and never keep a stale module.
file(GLOB files ${DIR}/*.html ${DIR}/*.js ${DIR}/*.css ${DIR}/*.svg)
list(SORT files)
set(body "// Generated from ${DIR}; edit those files.\n#include \"api/rest/routes/web_assets.h\"\nnamespace orderly::api {\nconst WebAsset kWebAssets[] = {\n")
set(count 0)
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} content)
  string(FIND "${content}" ")orderly_web\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )orderly_web\"")
  endif()
  string(SHA256 hash "${content}")
  string(SUBSTRING ${hash} 0 32 hash)
  string(APPEND body "  {\"${name}\", \"\\\"${hash}\\\"\", R\"orderly_web(${content})orderly_web\"},\n")
  math(EXPR count "${count}+1")
endforeach()
string(APPEND body "};\nconst size_t kWebAssetCount = ${count};\n}  // namespace orderly::api\n")
file(WRITE ${OUT} "${body}")
