# cmake -DINPUT=file -DOUTPUT=file.cc -DSYMBOL=kName -P embed.cmake
# Writes a C++ file defining `extern const char SYMBOL[]` (NUL-terminated) and
# `extern const unsigned long SYMBOL##Size` with the bytes of INPUT.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR size "${hexlen} / 2")
# Bytes as character literals ('\xe2'): 0xe2 would narrow to char.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "('[^']+','[^']+','[^']+','[^']+','[^']+','[^']+','[^']+','[^']+','[^']+','[^']+','[^']+','[^']+',)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by tools/embed.cmake. Do not edit.\n"
  "namespace xueji::data {\nextern const char ${SYMBOL}[] = {\n${bytes}'\\0'};\n"
  "extern const unsigned long ${SYMBOL}Size = ${size};\n}  // namespace xueji::data\n")
