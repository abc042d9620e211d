; Every import of a Go file: its path and, when written, its alias (`g "github.com/gin-gonic/gin"`).
(import_spec
  name: (_)? @alias
  path: (_) @path) @import
