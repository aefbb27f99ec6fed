"""lab.course and lab.notebook_versions without a lab: saving a notebook's function into an
exercise file, the notebook's language, and the learner's version of a marked solution."""

import ast

from lab import course, notebook_versions


def test_a_saved_function_replaces_its_namesake_and_keeps_the_rest_of_the_file():
    source = 'import os\n\nSCHEMA = "x"\n\n\n@decorated\ndef f(a):\n    """old"""\n    return 1\n'
    source += "\n\ndef g():\n    return 2\n"
    new = course.replace_functions(source, {"f": 'def f(a):\n    """new"""\n    return a + 1\n'})
    assert (
        new == 'import os\n\nSCHEMA = "x"\n\n\ndef f(a):\n    """new"""\n    return a + 1\n\n\ndef g():\n    return 2\n'
    )
    both = course.replace_functions(source, {"g": "def g():\n    return 3\n", "h": "def h():\n    return 4\n"})
    names = [n.name for n in ast.parse(both).body if isinstance(n, ast.FunctionDef)]
    assert names == ["f", "g", "h"] and "return 3" in both and "return 2" not in both


def test_the_notebooks_language_is_its_folders(tmp_path, monkeypatch):
    for lang in ("es", "en"):
        (tmp_path / lang).mkdir()
        monkeypatch.chdir(tmp_path / lang)
        assert course.language() == lang
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAB_LANG", "es")
    assert course.language() == "es"


def test_the_learners_version_replaces_each_solution_by_a_placeholder_at_its_indentation():
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["def f(x):\n", "    # BEGIN SOLUTION\n", "    return x\n", "    # END SOLUTION\n"],
            },
            {"cell_type": "markdown", "source": "Q?\n<!-- BEGIN SOLUTION -->\nA.\n<!-- END SOLUTION -->\n"},
            {"cell_type": "code", "source": "ex.check(f)"},
        ]
    }
    learner = notebook_versions.learner(notebook, "es")
    code, prose, check = ("".join(c["source"]) for c in learner["cells"])
    assert code == (
        "def f(x):\n    # TU CÓDIGO AQUÍ (cambia esta línea y la siguiente)\n"
        '    raise NotImplementedError("escribe esta función y después ejecuta la celda de comprobación de debajo")'
    )
    assert prose == "Q?\n*Tu respuesta aquí.*" and check == "ex.check(f)"
    assert notebook_versions.solutions(notebook) and not notebook_versions.solutions(learner)
    compile(code, "cell", "exec")
