"""Integrity review: each rule catches its tampering and leaves its harmless look-alike alone."""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from course.integrity import RULES, Flag, restored_cells, review_answers, review_source
from toy_course import make_notebook

REPO = Path(__file__).resolve().parents[2]
SETUP, ANSWER, TEST, QUESTION, WRITTEN = 1, 2, 3, 4, 5

# rule -> (tampering sources, harmless look-alikes). Every source is one cell on its own.
CASES = {
    "redefines-builtin": (
        ["print = lambda *a: None", "def len(x):\n    return 3", "class AssertionError(Exception):\n    pass", "import builtins\nbuiltins.isinstance = lambda *a: True",
         "setattr(builtins, 'abs', None)", "__builtins__.float = int", "for type in [1]:\n    pass", "def f():\n    global max\n    max = min",
         "from numpy import abs", "globals()['print'] = None", "[sum := 0]", "import builtins\ndel builtins.len"],
        ["list_ = [1, 2]", "def f(x, type=None):\n    len = 3\n    return len + x", "class Box:\n    type = 'square'\n    def print(self):\n        return 1",
         "self_print = print", "print(len([1]), isinstance(1, int), abs(-1))", "from builtins import print", "squares = [max for max in range(3)]", "lambda input: input"],
    ),
    "redefines-test-helper": (
        ["def assert_close(*a, **k):\n    pass", "assert_true = lambda *a: None", "from helpers.checks import assert_true as assert_close",
         "import helpers.checks\nhelpers.checks.assert_close = print", "from helpers import checks\nchecks.rel_error = lambda a, b: 0.0",
         "import torch\ntorch.allclose = lambda *a, **k: True", "import numpy as np\nnp.testing.assert_allclose = print", "import math\nmath.isclose = lambda *a, **k: True",
         "from helpers.checks import assert_close\nassert_close.__code__ = (lambda *a, **k: None).__code__", "import torch\ntorch.testing.assert_close = print",
         "import torch\nsetattr(torch, 'equal', lambda *a: True)", "import sys\nsys.modules['helpers'].checks.forbid_calls = None",
         "import importlib\nimportlib.import_module('torch').isclose = print", "import torch\nobject.__setattr__(torch, 'allclose', print)"],
        ["from helpers.checks import assert_close, assert_tensor, rel_error", "class Checker:\n    def assert_close(self, a, b):\n        return a == b",
         "assert_close(out, expected, 'scale')", "from numpy.testing import assert_allclose", "def assert_positive(x):\n    assert x > 0",
         "def f():\n    rel_error = 0.5\n    return rel_error", "import torch\nok = torch.allclose(a, b)"],
    ),
    "monkeypatch": (
        ["import torch\ntorch.matmul = lambda a, b: a", "F.softmax = lambda x, dim=-1: x", "import numpy as np\nnp.mean = np.median", "import torch\ntorch.Tensor.__eq__ = lambda a, b: True",
         "import torch.nn.functional as G\nG.relu = abs", "vars(torch)['exp'] = None", "import numpy\nnumpy.__dict__.update(sum=len)", "import operator\noperator.eq = lambda a, b: True",
         "type(torch.zeros(1)).__eq__ = lambda a, b: True"],
        ["import torch\ntorch.backends.cudnn.deterministic = True", "class A:\n    def __init__(self):\n        self.__dict__.update(a=1)\n    __repr__ = object.__repr__", "model.weight = None", "x = torch.zeros(3)\nx.data = x", "import matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 80",
         "torch.manual_seed(0)", "layers = torch.nn.ModuleList()\nlayers.append(torch.nn.Linear(2, 2))", "def f(F):\n    F.x = 1"],
    ),
    "ipython-hook": (
        ["get_ipython().input_transformers_cleanup.append(lambda lines: [])", "ip = get_ipython()\nip.events.register('pre_run_cell', print)",
         "get_ipython().set_custom_exc((AssertionError,), lambda *a, **k: None)", "%config InteractiveShell.ast_node_interactivity = 'none'",
         "from IPython import get_ipython\nget_ipython().ast_transformers.append(object())", "get_ipython().run_line_magic('autoawait', 'off')", "%load_ext autoreload", "%autoawait asyncio"],
        ["%matplotlib inline", "events = Events()\nevents.register('x', print)", "from IPython.display import display\ndisplay(1)", "transformers = []\ntransformers.append(1)"],
    ),
    "import-system": (
        ["import sys\nsys.modules['helpers.checks'] = fake", "import sys\nsys.meta_path.insert(0, Finder())", "import sys\nsys.path_hooks.append(hook)",
         "import importlib\nimportlib.reload(helpers)", "import sys\ndel sys.modules['torch']", "import sys\nsys.modules.update({'torch': None})"],
        ["import sys\nprint(sys.version, sys.path)", "import importlib\nmod = importlib.import_module('math')", "import sys\ntorch_module = sys.modules['torch']", "modules = {}\nmodules['x'] = 1"],
    ),
    "grading-detection": (
        ["import os\nif os.environ.get('NBGRADER_EXECUTION'):\n    pass", "import os\ngraded = 'NBGR' + 'ADER_EXECUTION' in os.environ", "from helpers import is_grading",
         "import helpers\nquick = helpers.budget.is_grading()", "from helpers.budget import GRADING_ENV_VAR", "import os\nkey = [k for k in os.environ if 'grader' in k.lower()]"],
        ["import os\nhome = os.environ.get('HOME')\nnote = 'gradient descent'", "from helpers import budget\nB = budget(full={'n': 10}, grading={'n': 2})", "grade = 3", "print('upgrading')"],
    ),
    "exits": (
        ["exit()", "quit()", "import sys\nsys.exit(0)", "import os\nos._exit(1)", "raise SystemExit", "raise KeyboardInterrupt()", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "from sys import exit as leave"],
        ["class Door:\n    def exit(self):\n        return 1\nDoor().exit()", "exit_code = 0", "def __exit__(self, *a):\n    pass", "raise ValueError('bad input')"],
    ),
    "signals": (
        ["import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", "import signal\nsignal.alarm(1)"],
        ["import signal\nprint(signal.SIGINT)", "signal = 'a traffic light'"],
    ),
    "shell-escape": (
        ["!ls -la", "files = !ls", "import subprocess\nsubprocess.run(['ls'])", "import os\nos.system('ls')", "from subprocess import check_output", "import os\nos.execv('/bin/sh', ['sh'])"],
        ["ok = 1 != 2", "message = 'Hello!'", "import os\nprint(os.getcwd())"],
    ),
    "magic": (
        ["%%bash\necho hi", "%run other.py", "%%writefile helpers.py\nx = 1", "%pip install requests", "%who"],
        ["%matplotlib inline", "%time y = 2 ** 10", "%%timeit\nsum(range(10))", "%%capture\nprint('quiet')", "%timeit -n 3 -r 2 sorted([3, 1, 2])"],
    ),
    "grader-files": (
        ["open('gradebook.db').read()", "import sqlite3\nsqlite3.connect('grades.sqlite')", "text = open('source/01-toy/01-toy.ipynb').read()", "from pathlib import Path\nPath('nbgrader_config.py').read_text()"],
        ["note = 'the source of the error'", "open('results.csv', 'w').write('1')", "database = {}"],
    ),
    "outside-cwd": (
        ["open('../other_student/01-toy.ipynb')", "import os\nos.chdir('/')", "p = '~/secrets.txt'"],
        ["print('Loading...')", "open('data/train.csv')", "path = 'a/b.txt'", "print('~ 5 minutes')"],
    ),
    "ctypes": (
        ["import ctypes", "from ctypes import pythonapi", "import cffi"],
        ["ctypes_count = 3", "print('no ctypes here')"],
    ),
    "frame-hacking": (
        ["import gc\nobjs = gc.get_objects()", "import inspect\nframes = inspect.stack()", "import sys\nf = sys._getframe(1)", "import inspect\ninspect.currentframe().f_back"],
        ["import gc\ngc.collect()", "import inspect\nsig = inspect.signature(print)", "frames = [1, 2]"],
    ),
    "tracing": (
        ["import sys\nsys.settrace(lambda *a: None)", "import sys\nsys.setprofile(print)", "import threading\nthreading.settrace(print)"],
        ["import sys\nlimit = sys.getrecursionlimit()", "trace = []"],
    ),
    "python-hook": (
        ["import sys\nsys.excepthook = print", "import sys\nsys.addaudithook(print)"],
        ["import sys\nsys.stdout.flush()"],
    ),
    "dynamic-code": (
        ["exec(code)", "eval('1 + 1')", "__import__('os')", "compile(src, 'x', 'exec')", "globals()[name] = value", "import builtins\ngetattr(builtins, 'exec')(code)"],
        ["model.eval()", "import re\npattern = re.compile('a+')", "import torch\nfast = torch.compile"],
    ),
}


@pytest.mark.parametrize("rule, source", [(rule, s) for rule, (bad, _) in CASES.items() for s in bad])
def test_each_rule_catches_its_tampering(rule, source):
    flags = review_source(source)
    assert rule in {f.rule for f in flags}, flags


@pytest.mark.parametrize("rule, source", [(rule, s) for rule, (_, good) in CASES.items() for s in good])
def test_harmless_look_alikes_are_not_flagged(rule, source):
    assert review_source(source) == []


def test_every_rule_has_cases_and_a_description():
    assert set(CASES) | {"syntax-error", "unreviewable"} == set(RULES)


def test_magic_arguments_are_reviewed_as_code():
    assert {f.rule for f in review_source("%time exit()")} == {"exits"}
    assert {f.rule for f in review_source("%%capture\nimport ctypes")} == {"ctypes"}
    assert {f.rule for f in review_source("exec('print = None')")} == {"dynamic-code", "redefines-builtin"}


def test_syntax_errors_and_monsters_do_not_stop_the_review():
    assert review_source("def f(:\n    pass") == [Flag("cell 0", "syntax-error", "line 1: invalid syntax")]
    assert [f.rule for f in review_source("x = 1\0")] == ["syntax-error"]
    assert [f.rule for f in review_source("x = " + "(" * 5000 + ")" * 5000)] in (["syntax-error"], ["unreviewable"])
    assert [f.rule for f in review_source("x = " + "+".join(["1"] * 50_000))] in ([], ["unreviewable"], ["syntax-error"])
    assert [f.rule for f in review_source("x = 1\n" * 200_000)] == ["unreviewable"]


# -- whole notebooks -------------------------------------------------------------------------------
def test_only_cells_the_student_controls_are_reviewed():
    nb = make_notebook()
    nb.cells[SETUP].source += "\nimport torch.nn.functional as G"  # locked: not reviewed, but its imports count
    nb.cells[TEST].source += "\nexit()"  # locked: nbgrader overwrites it, so not the student's code
    nb.cells[ANSWER].source += "\nG.relu = abs"
    nb.cells.append(new_code_cell("def print(*args):\n    pass"))
    nb.cells.append(new_code_cell("def broken(:"))
    nb.cells.append(new_code_cell("import os\nos._exit(0)"))
    assert review_answers(nb) == [
        Flag("scale", "monkeypatch", "assigns torch.nn.functional.relu"),
        Flag("cell 6", "redefines-builtin", "defines function print"),
        Flag("cell 7", "syntax-error", "line 1: invalid syntax"),
        Flag("cell 8", "exits", "uses os._exit"),
    ]


def test_with_the_source_a_cell_cannot_exempt_itself_by_claiming_to_be_locked():
    source = make_notebook()
    nb = copy.deepcopy(source)
    nb.cells.append(new_code_cell("import sys\nsys.exit()", metadata={"nbgrader": {"locked": True, "grade_id": "mine", "grade": False, "solution": False, "schema_version": 3}}))
    assert review_answers(nb) == []
    assert review_answers(nb, source=source) == [Flag("mine", "exits", "uses sys.exit")]


@pytest.mark.parametrize("path", ["source/01-math-review/01-math-review.ipynb", "release/01-math-review/01-math-review.ipynb"])
def test_the_real_week_raises_no_flags(path):
    """Realistic solutions, experiments and starter code: a false flag here would hit every student."""
    nb = nbformat.read(str(REPO / path), as_version=4)
    assert review_answers(nb) == []


# -- restored cells --------------------------------------------------------------------------------
def release_of(source):
    """What students get: hidden tests removed (as nbgrader's release does)."""
    nb = copy.deepcopy(source)
    test = nb.cells[TEST]
    test.source = test.source.split("### BEGIN HIDDEN TESTS")[0] + test.source.split("### END HIDDEN TESTS\n")[1]
    return nb


def test_untouched_submission_restores_nothing():
    source = make_notebook()
    nb = release_of(source)
    nb.cells[TEST].source += "\n\n   "  # trailing whitespace is not an edit
    nb.cells[ANSWER].source = "def scale(x, factor):\n    return x * factor"  # answers are the student's
    nb.cells[WRITTEN].source = "Because it is linear."
    assert restored_cells(nb, source) == []


def test_edited_and_deleted_locked_cells_are_reported():
    source = make_notebook()
    nb = release_of(source)
    nb.cells[TEST].source = "print('all tests pass')"
    nb.cells[QUESTION].cell_type = "raw"
    del nb.cells[SETUP]
    assert restored_cells(nb, source) == [
        "setup: deleted (nbgrader does not put it back)",
        "test_scale: edited",
        "question_linear: edited (now raw, was markdown)",
    ]
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_scale"]
    assert "test_scale: deleted" in restored_cells(nb, source)


def test_a_test_cell_stripped_of_its_metadata_counts_as_deleted():
    source = make_notebook()
    nb = release_of(source)
    del nb.cells[TEST].metadata["nbgrader"]
    assert restored_cells(nb, source) == ["test_scale: deleted"]
