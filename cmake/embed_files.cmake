# Files compiled into the binary as C++ raw strings, for the -P scripts that
# write those sources (api/notify/email/embed_templates.cmake,
# api/web/embed_web.cmake).
#
# embed_files(<entries_var> <count_var> <delimiter> <NAME|NAME_WE> <ETAG|NO_ETAG> <files...>)
# sets <entries_var> to one initializer per file, in sorted order:
#   {"<name>", R"<delimiter>(<content>)<delimiter>"},
# or with ETAG
#   {"<name>", "\"<etag>\"", R"<delimiter>(<content>)<delimiter>"},
# where <name> is the file's NAME or NAME_WE and <etag> the first 32 hex
# digits of the content's SHA-256 (it changes exactly when the file does);
# and <count_var> to how many. A file that holds the raw string's end
# (")<delimiter>\"") stops the build.
function(embed_files entries_var count_var delimiter name_part etag)
  set(files ${ARGN})
  list(SORT files)
  set(entries "")
  set(count 0)
  foreach(f ${files})
    get_filename_component(name ${f} ${name_part})
    file(READ ${f} content)
    string(FIND "${content}" ")${delimiter}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${f} contains the raw-string delimiter )${delimiter}\"")
    endif()
    set(tag "")
    if(etag STREQUAL "ETAG")
      string(SHA256 hash "${content}")
      string(SUBSTRING ${hash} 0 32 hash)
      set(tag " \"\\\"${hash}\\\"\",")
    endif()
    string(APPEND entries "  {\"${name}\",${tag} R\"${delimiter}(${content})${delimiter}\"},\n")
    math(EXPR count "${count}+1")
  endforeach()
  set(${entries_var} "${entries}" PARENT_SCOPE)
  set(${count_var} ${count} PARENT_SCOPE)
endfunction()
