# Writes OUT (a .cpp) defining `extern const char NAME[]` with the bytes of
# IN, so a data file (e.g. the common-password list) ships inside the binary.
file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from ${IN}; edit that file.\nnamespace orderly::commands {\nextern const char ${NAME}[];\nconst char ${NAME}[] = R\"orderly_embed(${content})orderly_embed\";\n}  // namespace orderly::commands\n")
