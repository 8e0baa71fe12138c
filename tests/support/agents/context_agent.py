#!/usr/bin/env python3
"""An agent that answers with the phase JSON it was given (for tests of what an agent sees)."""

from __future__ import annotations

import json
import sys

if __name__ == "__main__":
    print(json.dumps({"request": json.load(sys.stdin)}))
