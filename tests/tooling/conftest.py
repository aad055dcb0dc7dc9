import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@pytest.fixture
def toy_course(tmp_path):
    """A fresh one-week course whose release has been generated."""
    from course import config as course_config
    from course.release import release_weeks
    from toy_course import make_course

    root = make_course(tmp_path / "course")
    cfg = course_config.load(root)
    assert all(r.ok for r in release_weeks(cfg))
    return cfg
