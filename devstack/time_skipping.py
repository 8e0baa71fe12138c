"""Find Temporal's time-skipping test server (Java), resolving it once from Maven Central.

Tests of hour-long timers run on it: `WorkflowEnvironment.start_time_skipping(
test_server_existing_path=…)` starts it as `<executable> <port>`. The executable is a small
wrapper around `java -cp <classpath> io.temporal.testserver.TestServer`, the classpath resolved by
Maven into the cache beside the Temporal CLI. None means "let the Temporal SDK download it"
(machines that can reach Temporal's site but have no Java or Maven).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from devstack.tools import cache_dir, executable, named_in_env

log = logging.getLogger("hookflow.devstack")

ARTIFACT = "io.temporal:temporal-test-server"
VERSION = "1.27.0"
# Client-side JIT and the serial collector start the JVM in about half the time.
JAVA_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>hookflow</groupId><artifactId>time-skipping-server</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def wrapper_path() -> Path:
    return cache_dir() / f"temporal-test-server-{VERSION}"


def locate_test_server() -> str | None:
    return named_in_env("TEMPORAL_TEST_SERVER_PATH") or executable(wrapper_path())


def build_test_server() -> str | None:
    """Resolve the server's classpath with Maven and write the wrapper; None without Java/Maven."""
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if java is None or mvn is None:
        return None
    group, artifact = ARTIFACT.split(":")
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    classpath = target / f"temporal-test-server-{VERSION}.classpath"
    log.warning("resolving %s:%s from Maven Central (once)", ARTIFACT, VERSION)
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "pom.xml").write_text(
            _POM.format(group=group, artifact=artifact, version=VERSION)
        )
        subprocess.run(
            [mvn, "-q", "-B", "dependency:build-classpath", f"-Dmdep.outputFile={classpath}"],
            cwd=work,
            check=True,
        )
    wrapper = wrapper_path()
    tmp = wrapper.with_suffix(".tmp")
    tmp.write_text(
        "#!/bin/sh\n"
        f'exec "{java}" {JAVA_OPTIONS} -cp "$(cat "{classpath}")" '
        'io.temporal.testserver.TestServer "$@"\n'
    )
    tmp.chmod(0o755)
    tmp.replace(wrapper)
    return str(wrapper)


def ensure_test_server() -> str | None:
    return locate_test_server() or build_test_server()


if __name__ == "__main__":
    path = ensure_test_server()
    print(path or "none: the Temporal SDK will download the test server")
