"""Interface languages: catalogs, CLDR formats, language validation, right to left, the pseudo-locale."""

from __future__ import annotations

from statusgen.i18n import available_languages, bcp47


def set_language(repo, language: str) -> None:
    config = (repo.root / "statusgen.toml").read_text(encoding="utf-8")
    repo.write("statusgen.toml", config.replace('timezone = "UTC"', f'timezone = "UTC"\nlanguage = "{language}"'))


def test_unknown_language_is_rejected_naming_the_available_ones(repo):
    set_language(repo, "xx-Klingon")
    result = repo.run("build", "--root", str(repo.root))
    assert result.exit_code == 1
    available = ", ".join(bcp47(code) for code in available_languages())
    assert (f"statusgen.toml: site.language: unknown language 'xx-Klingon'; expected one of: {available}"
            in result.output)
    assert "Traceback" not in result.output
    assert not (repo.root / "site").exists()
