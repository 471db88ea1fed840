# Writes OUT (a .cpp) defining `const char NAME[]` with the bytes of IN, so
# the spec and the docs page ship inside the binary.
file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from ${IN}; edit that file.\nextern const char ${NAME}[];\nconst char ${NAME}[] = R\"orderly_embed(${content})orderly_embed\";\n")
