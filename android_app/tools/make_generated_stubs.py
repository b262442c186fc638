"""Write R.java and BuildConfig.java for compiling the app's Kotlin without Gradle.

Usage: python3 android_app/tools/make_generated_stubs.py OUT_DIR [FLAVOR]
The Android Gradle plugin generates both classes from the app's resources and build file;
`make android-kotlin` compiles the Kotlin sources without it, so this script writes them from
the same inputs: every string, style, layout, xml file and `@+id/` of app/src/main/res becomes a
field of R (a resource the code names but res/ lacks fails the compile), and BuildConfig gets the
fields AGP writes (APPLICATION_ID, BUILD_TYPE, FLAVOR, VERSION_CODE, VERSION_NAME, DEBUG) with
the values of app/build.gradle.kts. Standard library only.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
ANDROID_NS = "{http://schemas.android.com/apk/res/android}"


def gradle_value(gradle: str, key: str) -> str:
    found = re.search(rf"^\s*{key}\s*=\s*(.+?)\s*$", gradle, re.MULTILINE)
    if found is None:
        raise SystemExit(f"{APP / 'build.gradle.kts'}: no `{key} = ...` line")
    return found.group(1).strip('"')


def flavors(gradle: str) -> list[str]:
    block = re.search(r"productFlavors\s*\{(.*?)\n  \}", gradle, re.DOTALL)
    names = re.findall(r'create\("(\w+)"\)', block.group(1)) if block else []
    if not names:
        raise SystemExit(f"{APP / 'build.gradle.kts'}: no productFlavors")
    return names


def resources(res: Path) -> dict[str, set[str]]:
    """R's inner classes and their field names, from the files AGP compiles them from."""
    out: dict[str, set[str]] = {"string": set(), "style": set(), "layout": set(), "xml": set(), "id": set()}
    for path in sorted(res.glob("values*/*.xml")):
        for node in ET.parse(path).getroot():
            if node.tag in ("string", "style"):
                out[node.tag].add(node.attrib["name"].replace(".", "_"))
    for kind in ("layout", "xml"):
        for path in sorted(res.glob(f"{kind}*/*.xml")):
            out[kind].add(path.stem)
    for path in sorted(res.glob("layout*/*.xml")):
        for node in ET.parse(path).iter():
            value = node.attrib.get(ANDROID_NS + "id", "")
            if value.startswith("@+id/"):
                out["id"].add(value[len("@+id/") :])
    return out


def r_java(package: str, res: dict[str, set[str]]) -> str:
    lines = [f"package {package};", "", "/** Generated from app/src/main/res by make_generated_stubs.py. */"]
    lines.append("public final class R {")
    for index, (kind, names) in enumerate(sorted(res.items())):
        lines.append(f"  public static final class {kind} {{")
        for n, name in enumerate(sorted(names)):
            lines.append(f"    public static final int {name} = 0x7f{index + 1:02x}{n:04x};")
        lines.append("  }")
    return "\n".join([*lines, "}", ""])


def build_config_java(package: str, gradle: str, flavor: str) -> str:
    fields = {
        "DEBUG": "boolean DEBUG = true",
        "APPLICATION_ID": f'String APPLICATION_ID = "{gradle_value(gradle, "applicationId")}"',
        "BUILD_TYPE": 'String BUILD_TYPE = "debug"',
        "FLAVOR": f'String FLAVOR = "{flavor}"',
        "VERSION_CODE": f"int VERSION_CODE = {int(gradle_value(gradle, 'versionCode'))}",
        "VERSION_NAME": f'String VERSION_NAME = "{gradle_value(gradle, "versionName")}"',
    }
    body = [f"  public static final {decl};" for decl in fields.values()]
    return "\n".join(
        [
            f"package {package};",
            "",
            "/** Generated from app/build.gradle.kts by make_generated_stubs.py (AGP's fields). */",
            "public final class BuildConfig {",
            *body,
            "}",
            "",
        ]
    )


def main() -> None:
    out = Path(sys.argv[1])
    gradle = (APP / "build.gradle.kts").read_text()
    known = flavors(gradle)
    flavor = sys.argv[2] if len(sys.argv) > 2 else known[0]
    if flavor not in known:
        raise SystemExit(f"flavor {flavor!r}: app/build.gradle.kts has {known}")
    package = gradle_value(gradle, "namespace")
    target = out / package.replace(".", "/")
    target.mkdir(parents=True, exist_ok=True)
    (target / "R.java").write_text(r_java(package, resources(APP / "src/main/res")))
    (target / "BuildConfig.java").write_text(build_config_java(package, gradle, flavor))
    print(f"{target}: R.java, BuildConfig.java (flavor {flavor}; flavors {', '.join(known)})")


if __name__ == "__main__":
    main()
