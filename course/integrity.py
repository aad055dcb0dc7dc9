"""Integrity review: student code that tampers with grading, and test cells that were changed.

nbgrader grades whatever the notebook's kernel reports, and the answer cells run in that
same kernel before the tests: an answer cell can redefine ``assert_close``, replace
``torch.allclose``, install an IPython input transformer that rewrites the next cell, or
check ``NBGRADER_EXECUTION`` and behave only while graded. None of that shows in a score,
so this review reads every cell the student controls (with ``ast``, never running it) and
flags what tampers, for a tutor to look at. A flag means "a person should look", never
"zero points".

The rules live in tables (``REFERENCES``, ``WATCHED_MODULES``, the name sets): adding a
rule is one line there. Each rule id is explained in ``RULES``.
"""
from __future__ import annotations

import ast
import builtins
import copy
import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache

from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["Flag", "RULES", "review_answers", "review_source", "restored_cells"]


@dataclass(frozen=True)
class Flag:
    cell: str  # grade_id, or "cell <index>" (the index into notebook.cells) for cells without one
    rule: str  # a key of RULES
    detail: str  # one line for the tutor


RULES = {
    "redefines-builtin": "binds a builtin name at top level, or changes the builtins module",
    "redefines-test-helper": "rebinds or patches an assert function, a course test helper or a comparison the tests use",
    "monkeypatch": "assigns an attribute of torch, numpy, math, helpers or another module the tests rely on",
    "ipython-hook": "changes the IPython shell (input transformers, exception handlers, events, magics)",
    "python-hook": "installs an interpreter hook (excepthook, displayhook, audit hook)",
    "import-system": "edits sys.modules or the import machinery, or reloads modules",
    "grading-detection": "checks whether it runs under nbgrader (NBGRADER_EXECUTION, helpers.is_grading)",
    "exits": "ends the kernel or the process (exit, sys.exit, os._exit, SystemExit, kill)",
    "signals": "installs signal handlers or timers (can ignore the grader's interrupt)",
    "shell-escape": "runs shell commands or subprocesses (!cmd, %%bash, subprocess, os.system)",
    "magic": "uses an IPython magic other than %matplotlib, %time, %timeit, %%capture (or %config, %autoawait... : ipython-hook)",
    "grader-files": "names a grading file (gradebook, .db, source/, submitted/, nbgrader_config)",
    "outside-cwd": "leaves the working folder (../ paths, ~, os.chdir)",
    "ctypes": "uses ctypes or cffi (raw memory access)",
    "frame-hacking": "walks interpreter frames or the heap (inspect.stack, sys._getframe, gc.get_objects)",
    "tracing": "installs a trace or profile function (sys.settrace)",
    "dynamic-code": "runs code built at run time (exec, eval, compile, __import__), which this review cannot read",
    "syntax-error": "does not parse (the cell fails when run; nothing in it was reviewed)",
    "unreviewable": "too large or too deeply nested to review",
}

# Qualified names (after resolving imports and aliases) whose mere use is flagged.
# A pattern matches the name itself and everything under it ("ctypes" matches "ctypes.CDLL").
REFERENCES: tuple[tuple[str, str], ...] = (
    ("sys.meta_path", "import-system"),
    ("sys.path_hooks", "import-system"),
    ("sys.path_importer_cache", "import-system"),
    ("importlib.reload", "import-system"),
    ("imp.reload", "import-system"),
    ("helpers.is_grading", "grading-detection"),
    ("is_grading", "grading-detection"),  # after a star import from helpers
    ("helpers.budget.is_grading", "grading-detection"),
    ("helpers.GRADING_ENV_VAR", "grading-detection"),
    ("helpers.budget.GRADING_ENV_VAR", "grading-detection"),
    ("exit", "exits"),
    ("quit", "exits"),
    ("sys.exit", "exits"),
    ("os._exit", "exits"),
    ("os.abort", "exits"),
    ("os.kill", "exits"),
    ("os.killpg", "exits"),
    ("signal.signal", "signals"),
    ("signal.alarm", "signals"),
    ("signal.setitimer", "signals"),
    ("signal.pthread_sigmask", "signals"),
    ("os.system", "shell-escape"),
    ("os.popen", "shell-escape"),
    ("os.exec*", "shell-escape"),
    ("os.spawn*", "shell-escape"),
    ("os.posix_spawn*", "shell-escape"),
    ("os.fork*", "shell-escape"),
    ("subprocess", "shell-escape"),
    ("pty", "shell-escape"),
    ("os.chdir", "outside-cwd"),
    ("os.fchdir", "outside-cwd"),
    ("ctypes", "ctypes"),
    ("_ctypes", "ctypes"),
    ("cffi", "ctypes"),
    ("gc.get_objects", "frame-hacking"),
    ("gc.get_referrers", "frame-hacking"),
    ("gc.get_referents", "frame-hacking"),
    ("inspect.stack", "frame-hacking"),
    ("inspect.currentframe", "frame-hacking"),
    ("inspect.getouterframes", "frame-hacking"),
    ("inspect.trace", "frame-hacking"),
    ("sys._getframe", "frame-hacking"),
    ("sys._current_frames", "frame-hacking"),
    ("sys.settrace", "tracing"),
    ("sys.setprofile", "tracing"),
    ("sys.monitoring", "tracing"),
    ("threading.settrace", "tracing"),
    ("threading.setprofile", "tracing"),
    ("sys.excepthook", "python-hook"),
    ("sys.displayhook", "python-hook"),
    ("sys.addaudithook", "python-hook"),
    ("sys.unraisablehook", "python-hook"),
    ("threading.excepthook", "python-hook"),
    ("exec", "dynamic-code"),
    ("eval", "dynamic-code"),
    ("compile", "dynamic-code"),
    ("__import__", "dynamic-code"),
    ("importlib.__import__", "dynamic-code"),
)
# Assigning an attribute anywhere under these modules is a monkeypatch ...
WATCHED_MODULES = frozenset({"torch", "numpy", "math", "cmath", "scipy", "helpers", "nbgrader", "IPython", "ipykernel", "unittest", "operator", "functools"})
# ... except these settings, which exist to be assigned.
ASSIGNABLE = ("torch.backends.*",)
# The course's test helpers and the comparisons the tests make; a binding of one of these
# names that is not the genuine import, or a patch of any of them, is flagged.
TEST_HELPERS = frozenset({"assert_close", "assert_tensor", "assert_true", "assert_shape", "rel_error", "numerical_gradient", "forbid_calls"})
COMPARISONS = frozenset({"allclose", "isclose", "equal", "array_equal", "array_equiv", "testing", "assert_allclose", "assert_equal", "assert_array_equal", "assert_array_almost_equal", "assert_almost_equal"})
GENUINE_SOURCES = frozenset({"helpers", "torch", "numpy", "math"})  # importing a helper from these is fine
BUILTIN_NAMES = frozenset({n for n in dir(builtins) if not n.startswith("_")} | {"__import__", "__build_class__", "__builtins__"})
# Names every notebook of the course binds to the same module; used when a cell runs without them.
DEFAULT_ALIASES = {"np": "numpy", "F": "torch.nn.functional", "nn": "torch.nn", "plt": "matplotlib.pyplot"}
GET_IPYTHON = frozenset({"get_ipython", "IPython.get_ipython", "IPython.core.getipython.get_ipython"})
ENVIRON = ("os.environ", "os.environb", "os.getenv", "os.getenvb", "posix.environ")
# IPython magics that are harmless; the code a Python-running one is given is reviewed too.
HARMLESS_MAGICS = frozenset({"matplotlib", "pinfo", "pinfo2"})
PYTHON_LINE_MAGICS = frozenset({"time", "timeit"})
# Magics that change how IPython runs the cells after them.
HOOK_MAGICS = frozenset({"config", "autoawait", "autocall", "automagic", "load_ext", "reload_ext", "autoreload", "aimport", "xmode", "doctest_mode", "alias_magic", "alias"})
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture"})
SHELL_CALLS = frozenset({"system", "getoutput", "system_raw", "system_piped"})
MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__", "append", "insert", "extend", "remove"})
STRING_RULES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"nbgrader_execution|NBGRADER", re.I), "grading-detection"),
    (re.compile(r"gradebook|\.db\b|\.sqlite|(^|[/\\])(source|submitted|autograded|release)[/\\]|nbgrader_config", re.I), "grader-files"),
    (re.compile(r"(^|[/\\])\.\.([/\\]|$)|^~([/\\]|$)"), "outside-cwd"),
)
# Only source with one of these can hold IPython syntax (magics, !, ?, prompts, escapes, a
# leading indent); the rest is plain Python, and skipping the transformer halves review time.
_MAYBE_IPYTHON = re.compile(r"[!%?]|^[ \t]*[/,;]|^(>>>|In \[)|\A\s*[ \t]\S", re.M)
_GRADING_WORD = re.compile(r"grad(er|ing)|NBGR", re.I)  # not "gradient"
MAX_REVIEW_CHARS = 500_000
MAX_NESTING = 3  # code inside %%time inside exec(...) ...


def review_answers(notebook: NotebookNode, source: NotebookNode | None = None) -> list[Flag]:
    """Flags for every code cell the student controls, in notebook order.

    A cell is skipped only when nbgrader overwrites it: it is locked, per ``source`` when
    given (then a student cannot exempt a cell by marking it locked), else per its own
    metadata (trusting pre-flight to have restored it). Imports in skipped cells (the setup
    cell) still count, so ``F.softmax = ...`` resolves to ``torch.nn.functional``.
    """
    locked_ids = None
    if source is not None:
        locked_ids = {_grade_id(c) for c in source.get("cells", []) if _is_locked(c)} - {None}
    review = _Review()
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        grade_id = _grade_id(cell)
        locked = grade_id in locked_ids if locked_ids is not None else _is_locked(cell)
        review.cell(cell["source"], grade_id or f"cell {index}", record=not locked)
    return review.flags


def review_source(text: str, label: str = "cell 0") -> list[Flag]:
    """Flags for one piece of cell source on its own (for tests and ad-hoc checks)."""
    review = _Review()
    review.cell(text, label)
    return review.flags


def restored_cells(submitted: NotebookNode, source: NotebookNode) -> list[str]:
    """Locked cells (tests, setup, instructions) the student edited or deleted, in source order.

    nbgrader's OverwriteCells puts an edited locked cell back and re-adds a deleted grade
    cell; this only reports it. A deleted locked cell that is not a grade cell (the setup
    cell, say) is *not* put back by nbgrader, and says so. Hidden tests are removed from the
    source before comparing, since the student never saw them.
    """
    copies: dict[str, list[dict]] = {}
    for cell in submitted.get("cells", []):
        grade_id = _grade_id(cell)
        if grade_id is not None:
            copies.setdefault(grade_id, []).append(cell)
    report = []
    for cell in source.get("cells", []):
        grade_id = _grade_id(cell)
        if grade_id is None or not _is_locked(cell):
            continue
        found = copies.get(grade_id)
        if not found:
            readded = _is_grade(cell) or bool(cell.metadata["nbgrader"].get("task"))
            report.append(f"{grade_id}: deleted" + ("" if readded else " (nbgrader does not put it back)"))
            continue
        want = _normal_text(_public_source(cell))
        if any(c.get("cell_type") == cell.cell_type and _normal_text(c.get("source", "")) == want for c in found):
            continue
        types = {c.get("cell_type") for c in found}
        report.append(f"{grade_id}: edited" + ("" if cell.cell_type in types else f" (now {'/'.join(sorted(map(str, types)))}, was {cell.cell_type})"))
    return report


# --------------------------------------------------------------------------------------------
def _grade_id(cell: object) -> str | None:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    grader = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = grader.get("grade_id") if isinstance(grader, dict) else None
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _is_locked(cell: dict) -> bool:
    try:
        return bool(nbutils.is_locked(cell))
    except Exception:  # malformed metadata: not a cell nbgrader protects
        return False


def _is_grade(cell: dict) -> bool:
    try:
        return bool(nbutils.is_grade(cell))
    except Exception:
        return False


def _public_source(cell: NotebookNode) -> str:
    """The source a student was given: without the hidden tests (nbgrader's own preprocessor)."""
    public = copy.deepcopy(cell)
    try:
        ClearHiddenTests(enforce_metadata=False).preprocess_cell(public, {}, 0)
    except Exception:
        return cell.source  # unbalanced markers: compare against the full text
    return public.source


def _normal_text(text: object) -> str:
    if not isinstance(text, str):
        text = "".join(text) if isinstance(text, list) and all(isinstance(t, str) for t in text) else repr(text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


@lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


_EXACT = {pattern: rule for pattern, rule in REFERENCES if "*" not in pattern}
_WILD = [(pattern, rule) for pattern, rule in REFERENCES if "*" in pattern]


def _references(qual: str) -> list[tuple[str, str]]:
    """The REFERENCES entries ``qual`` falls under: itself or a parent name, or a wildcard."""
    parts = qual.split(".")
    found = [(p, _EXACT[p]) for p in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if p in _EXACT]
    return found + [(p, r) for p, r in _WILD if fnmatch.fnmatchcase(qual, p)]


def _matches(name: str, pattern: str) -> bool:
    if "*" in pattern:
        return fnmatch.fnmatchcase(name, pattern)
    return name == pattern or name.startswith(pattern + ".")


@dataclass
class _Scope:
    kind: str  # "module", "function", "class", "comprehension"
    declared_global: set[str] = field(default_factory=set)
    local: dict[str, str | None] = field(default_factory=dict)  # name -> qualified name it stands for


class _Review(ast.NodeVisitor):
    """Walks the cells of one notebook in order, keeping the names that imports bind."""

    def __init__(self):
        self.aliases: dict[str, str | None] = {}  # top-level name -> qualified name (None: a plain value)
        self.flags: list[Flag] = []
        self._seen: set[Flag] = set()
        self.label = ""
        self.record = True
        self.depth = 0
        self.scopes: list[_Scope] = [_Scope("module")]
        self.env_reads: list[str] = []
        self.strings: list[str] = []

    # -- entry points -----------------------------------------------------------------------
    def cell(self, text: str, label: str, record: bool = True) -> None:
        self.label, self.record = label, record
        self.env_reads, self.strings = [], []
        if not record:
            self._imports_only(text)
            return
        self._code(text)
        grading = [s for s in self.strings if _GRADING_WORD.search(s)]
        already = any(f.cell == label and f.rule == "grading-detection" for f in self.flags)
        if self.env_reads and grading and not already:
            self.flag("grading-detection", f"reads {self.env_reads[0]} and mentions {grading[0][:40]!r}")

    def _imports_only(self, text: str) -> None:
        """A cell nbgrader overwrites: only the names its top-level imports bind matter."""
        try:
            tree = ast.parse(_transformer().transform_cell(text) if _MAYBE_IPYTHON.search(text) else text)
        except Exception:
            return
        for statement in tree.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.visit(statement)

    def _code(self, text: str) -> None:
        """Review one piece of IPython source (a cell, or code a magic or exec is given)."""
        if len(text) > MAX_REVIEW_CHARS:
            self.flag("unreviewable", f"{len(text) // 1000} KB of code; too large to review")
            return
        if self.depth >= MAX_NESTING:
            self.flag("unreviewable", "code nested in magics or exec too deeply to review")
            return
        try:
            python = _transformer().transform_cell(text) if _MAYBE_IPYTHON.search(text) else text
        except Exception:
            python = text
        try:
            tree = ast.parse(python)
        except SyntaxError as exc:
            self.flag("syntax-error", f"line {exc.lineno}: {exc.msg}")
            return
        except (ValueError, RecursionError, MemoryError) as exc:
            self.flag("syntax-error", f"cannot be parsed ({type(exc).__name__})")
            return
        saved = self.scopes
        self.scopes = [_Scope("module")]
        self.depth += 1
        try:
            self.visit(tree)
        except RecursionError:
            self.flag("unreviewable", "nested too deeply to review")
        finally:
            self.depth -= 1
            self.scopes = saved

    def flag(self, rule: str, detail: str) -> None:
        item = Flag(self.label, rule, detail)
        if self.record and item not in self._seen:
            self._seen.add(item)
            self.flags.append(item)

    # -- names --------------------------------------------------------------------------------
    def resolve(self, node: ast.AST) -> str | None:
        """The qualified name an expression stands for (``F.softmax`` -> ``torch.nn.functional.softmax``)."""
        if isinstance(node, ast.Name):
            return self._lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            if self.resolve(node.value) == "sys.modules":
                return node.slice.value  # sys.modules["helpers"] is the helpers module
            return None
        if isinstance(node, ast.Call):
            func = self.resolve(node.func)
            if func in GET_IPYTHON:
                return "get_ipython()"
            if func in ("getattr", "builtins.getattr") and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                base = self.resolve(node.args[0])
                return f"{base}.{node.args[1].value}" if base else None
            if func in ("vars", "builtins.vars") and len(node.args) == 1:
                base = self.resolve(node.args[0])
                return f"{base}.__dict__" if base else None
            if func in ("globals", "builtins.globals") and not node.args:
                return "globals()"
            if func == "importlib.import_module" and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                return node.args[0].value
        return None

    def _lookup(self, name: str) -> str | None:
        if name == "__builtins__":
            return "builtins"
        for scope in reversed(self.scopes):
            if scope.kind == "class" and scope is not self.scopes[-1]:
                continue  # a class body's names are not visible inside its methods
            if scope.kind != "module" and name in scope.local and name not in scope.declared_global:
                return scope.local[name]
        if name in self.aliases:
            return self.aliases[name]
        return DEFAULT_ALIASES.get(name, name)

    def _binding_scope(self, walrus: bool = False) -> _Scope:
        scopes = [s for s in self.scopes if s.kind != "comprehension"] if walrus else self.scopes
        return scopes[-1]

    def bind(self, name: str, how: str, qual: str | None = None, walrus: bool = False) -> None:
        """Record that ``name`` is bound; at top level, check what it shadows."""
        scope = self._binding_scope(walrus)
        if scope.kind != "module" and name not in scope.declared_global:
            scope.local[name] = qual
            return
        if name in BUILTIN_NAMES and qual != f"builtins.{name}":
            self.flag("redefines-builtin", f"{how} {name}")
        if name in TEST_HELPERS | COMPARISONS:
            genuine = qual is not None and qual.split(".")[0] in GENUINE_SOURCES and qual.rsplit(".", 1)[-1] == name
            if not genuine:
                self.flag("redefines-test-helper", f"{how} {name}")
        self.aliases[name] = qual

    def reference(self, qual: str) -> None:
        if qual.startswith("builtins."):
            self.reference(qual.removeprefix("builtins."))  # getattr(builtins, "exec") is exec
        for pattern, rule in _references(qual):
            self.flag(rule, f"uses {_shorten(qual, pattern)}")
        if qual.startswith("get_ipython()."):
            attr = qual.split(".")[1]
            rule = "shell-escape" if attr in SHELL_CALLS else "ipython-hook"
            self.flag(rule, f"uses get_ipython().{attr}")
        environ = next((e for e in ENVIRON if _matches(qual, e)), None)
        if environ:
            self.env_reads.append(environ)

    def mutate(self, qual: str | None, key: str | None = None, how: str = "assigns") -> None:
        """Something under ``qual`` is assigned, deleted or updated in place."""
        if not qual:
            return
        target = qual.removesuffix(".__dict__")
        if target == "globals()":
            if key is None:
                self.flag("dynamic-code", "writes globals() with a computed name")
            else:
                self.bind(key, f"{how} via globals():")
            return
        if key is not None and qual.endswith(".__dict__"):
            target = f"{target}.{key}"
        parts = target.split(".")
        shown = f"{how} {target}"
        if _matches(target, "sys.modules"):
            self.flag("import-system", f"{how} sys.modules" + (f"[{key!r}]" if key else ""))
        elif parts[0] == "builtins":
            self.flag("redefines-builtin", shown)
        elif parts[0] == "get_ipython()":
            self.reference(target)
        elif parts[0] in WATCHED_MODULES and not any(fnmatch.fnmatchcase(target, p) for p in ASSIGNABLE):
            if parts[0] == "helpers" or any(p in TEST_HELPERS | COMPARISONS or p.startswith("assert") for p in parts[1:]):
                self.flag("redefines-test-helper", shown)
            else:
                self.flag("monkeypatch", shown)
        elif parts[0] == "sys" and len(parts) > 1:
            self.reference(target)

    @staticmethod
    def _watched(qual: str | None) -> bool:
        return bool(qual) and qual.split(".")[0] in WATCHED_MODULES | {"builtins", "sys", "get_ipython()"}

    # -- scopes -----------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            self.bind(node.name, "defines function")
        scope = _Scope("function")
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                scope.local[arg.arg] = None
        self.scopes.append(scope)
        try:
            for statement in node.body if isinstance(node.body, list) else [node.body]:
                self.visit(statement)
        finally:
            self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *[k.value for k in node.keywords]]:
            self.visit(expr)
        self.scopes.append(_Scope("class"))
        try:
            for statement in node.body:
                self.visit(statement)
        finally:
            self.scopes.pop()
        self.bind(node.name, "defines class")

    def _comprehension(self, node: ast.AST) -> None:
        # The first iterable is evaluated outside; the rest inside the comprehension's scope.
        self.visit(node.generators[0].iter)
        self.scopes.append(_Scope("comprehension"))
        try:
            for i, gen in enumerate(node.generators):
                self.visit(gen.target)
                if i:
                    self.visit(gen.iter)
                for cond in gen.ifs:
                    self.visit(cond)
            for part in ("elt", "key", "value"):
                if hasattr(node, part):
                    self.visit(getattr(node, part))
        finally:
            self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Global(self, node: ast.Global) -> None:
        self.scopes[-1].declared_global.update(node.names)

    # -- bindings -----------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.reference(alias.name)
            if alias.asname:
                self.bind(alias.asname, f"imports {alias.name} as", alias.name)
            else:
                top = alias.name.split(".")[0]
                self.bind(top, f"imports {top} as", top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        self.reference(node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            qual = f"{node.module}.{alias.name}"
            self.reference(qual)
            self.bind(alias.asname or alias.name, f"imports {qual} as", qual)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            qual = self.resolve(node.value) if isinstance(node.value, (ast.Name, ast.Attribute, ast.Call)) else None
            scope = self._binding_scope()
            name = node.targets[0].id
            if scope.kind == "module" or name in scope.declared_global:
                self.aliases[name] = qual
            else:
                scope.local[name] = qual

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.bind(node.target.id, "assigns", walrus=True)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.bind(node.id, "assigns")
            return
        if isinstance(node.ctx, ast.Del):
            return
        if node.id == "__builtins__":
            self.flag("redefines-builtin", "uses __builtins__")
        qual = self._lookup(node.id)
        if qual:
            self.reference(qual)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, "assigns")
        for statement in node.body:
            self.visit(statement)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.bind(node.name, "assigns")

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name, "assigns")

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self.bind(node.rest, "assigns")

    # -- attributes, items, calls ---------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            how = "assigns" if isinstance(node.ctx, ast.Store) else "deletes"
            qual = self.resolve(node)
            self.mutate(qual, how=how)
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if _is_dunder(node.attr) and owner not in ("self", "cls") and not self._watched(qual):
                # type(x).__eq__ = ...: a special method changed on a type this review cannot name
                self.flag("monkeypatch", f"{how} {_unparse(node)}")
            self.visit(node.value)
            return
        qual = self.resolve(node)
        if qual:
            self.reference(qual)  # covers every parent name too, so the chain below is done
        root = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if not qual or not isinstance(root, ast.Name):
            self.visit(node.value)
        elif root.id == "__builtins__":
            self.flag("redefines-builtin", "uses __builtins__")

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            key = node.slice.value if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str) else None
            self.mutate(self.resolve(node.value), key, how="assigns" if isinstance(node.ctx, ast.Store) else "deletes")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = self.resolve(node.func)
        args = node.args
        text = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in args]
        if func and not isinstance(node.func, (ast.Name, ast.Attribute)):
            self.reference(func)  # getattr(builtins, "exec")(...) calls exec
        setter = func.rsplit(".", 1)[-1] if func else None
        if setter in ("__setattr__", "__delattr__") and isinstance(node.func, ast.Attribute):
            owner = self.resolve(node.func.value)
            if owner in ("object", "type", "builtins.object", "builtins.type"):
                setter, func = setter.strip("_"), "setattr"  # object.__setattr__(target, name, value)
            elif owner and args:
                self.mutate(f"{owner}.{text[0] or '<computed name>'}", how=f"assigns (via {setter})")
        if setter in ("setattr", "delattr") and func in ("setattr", "delattr", "builtins.setattr", "builtins.delattr", "object.__setattr__") and len(args) >= 2:
            base = self.resolve(args[0])
            if base:
                how = "assigns" if setter == "setattr" else "deletes"
                self.mutate(f"{base}.{text[1] or '<computed name>'}", how=f"{how} (via {setter})")
        elif isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            self.mutate(self.resolve(node.func.value), text[0] if text else None, how=f"changes ({node.func.attr})")
        if func and func.startswith("get_ipython().") and self._magic(func.split(".", 1)[1], text):
            for arg in [*args, *[k.value for k in node.keywords]]:
                self.visit(arg)
            return
        if func in ("exec", "eval", "compile", "builtins.exec", "builtins.eval") and text and text[0]:
            self._code(text[0])
        self.generic_visit(node)

    def _magic(self, method: str, text: list[str | None]) -> bool:
        """Flag (or review) what a magic or shell escape does; True when handled here."""
        if method in SHELL_CALLS:
            self.flag("shell-escape", f"runs the shell command {(text[0] if text else None) or '<computed>'!r:.60}")
            return True
        if method not in ("run_line_magic", "run_cell_magic", "magic") or not text or text[0] is None:
            return False
        if method == "magic":
            name, _, line = text[0].partition(" ")
            text = [name.lstrip("%"), line]
        name = text[0]
        cell = method == "run_cell_magic"
        mark = "%%" if cell else "%"
        if name in HARMLESS_MAGICS and not cell:
            return True
        python = PYTHON_CELL_MAGICS if cell else PYTHON_LINE_MAGICS
        code = text[2] if cell and len(text) > 2 else (text[1] if not cell and len(text) > 1 else None)
        if name in python and code is not None:
            self._code(_strip_magic_options(code) if not cell else code)
            return True
        rule = "ipython-hook" if name in HOOK_MAGICS and not cell else "magic"
        self.flag(rule, f"uses {mark}{name}" + (f" {text[1]}" if len(text) > 1 and text[1] else "")[:80])
        return True

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        qual = self.resolve(exc) if exc is not None else None
        if qual in ("SystemExit", "KeyboardInterrupt", "builtins.SystemExit", "builtins.KeyboardInterrupt"):
            self.flag("exits", f"raises {qual.rsplit('.', 1)[-1]}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value:
            self.strings.append(node.value)
            for pattern, rule in STRING_RULES:
                match = pattern.search(node.value)
                if match:
                    self.flag(rule, f"mentions {node.value[:60]!r}")


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:60]
    except Exception:
        return "an attribute"


def _shorten(qual: str, pattern: str) -> str:
    """What was used, one name below the pattern: ``subprocess.run`` for ``subprocess.run.x``."""
    return ".".join(qual.split(".")[: pattern.count(".") + 2])


def _strip_magic_options(line: str) -> str:
    """``-n 10 -r 3 f(x)`` -> ``f(x)`` (timeit's options)."""
    return re.sub(r"^\s*(-[a-z]+(\s+\d+)?\s+)*", "", line)
