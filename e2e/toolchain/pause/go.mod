module weft.dev/toolchain/pause

go 1.26
