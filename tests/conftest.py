import shutil
from pathlib import Path
import pytest
from pointline_tui.demo import build_demo_lake

@pytest.fixture(scope="session")
def demo_lake_template(tmp_path_factory) -> Path:
    return build_demo_lake(tmp_path_factory.mktemp("demo") / "silver")

@pytest.fixture
def demo_lake(demo_lake_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "silver"
    shutil.copytree(demo_lake_template, target)
    return target
