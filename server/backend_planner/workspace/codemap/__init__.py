"""The code map: what a backend HAS — its endpoints and entities — read from its code with
tree-sitter. `CodeMapBuilder(root).build(ServiceContext(...))` gives a service's map; the
extractors (one module per framework family in `extractors/`) hold the framework knowledge."""

from backend_planner.workspace.codemap.build import CodeMap, CodeMapBuilder
from backend_planner.workspace.codemap.extractor import Extractor, Part, ServiceContext

__all__ = ["CodeMap", "CodeMapBuilder", "Extractor", "Part", "ServiceContext"]
