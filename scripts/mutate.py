#!/usr/bin/env python3
"""Mutation testing of SpecRunner's checks on the reference server.

Applies each mutant of scripts/mutants.txt to the server's source (one at a time), builds the server, starts it as
CI does, and runs SpecRunner's checks alone against it, in order, until one catches it: the conformance run, the
edge scenarios (a server started with each file of spec/settings/), a fuzz pass and a stateful pass. The source
is restored after each mutant, whatever happens, and the server rebuilt as it was at the end.

    scripts/mutate.py                  every mutant
    scripts/mutate.py --sample         the ones marked `ci: yes` (what CI runs on every run)
    scripts/mutate.py --only ID,ID     these
    scripts/mutate.py --list           list them, run nothing
    --json PATH                        also write the results as JSON

Mutants marked `storage: postgres` need a PostgreSQL: DATABASE_URL_FOR_MUTANTS names one, else the tool starts a
throwaway one with scripts/postgres.sh. Exit status: 0 every mutant caught, 1 some survived, 2 the list or the
build is broken (a mutant's text no longer occurs exactly once, or a mutant does not compile).
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

from deployments import ROOT, Server, SettingsDeployment, free_port, settings_files
FIELDS = ("id", "file", "why", "storage", "ci")


class ListError(Exception):
    """The mutant list does not match the code."""


def parse(path):
    """The mutants of `path`, in order, each a dict of its fields with `find` and `replace`."""
    mutants, current = [], {}
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    for number, line in enumerate(lines + [""], start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                missing = [name for name in ("id", "file", "why", "find", "replace") if name not in current]
                if missing:
                    raise ListError(f"{path}:{number}: the mutant ending here lacks {', '.join(missing)}")
                mutants.append(current)
                current = {}
            continue
        if line.startswith("- "):
            current["find"] = line[2:]
        elif line.startswith("+ "):
            current["replace"] = line[2:]
        else:
            name, _, value = line.partition(":")
            if name not in FIELDS:
                raise ListError(f"{path}:{number}: unknown field '{name}'")
            current[name] = value.strip()
    ids = [mutant["id"] for mutant in mutants]
    duplicates = sorted({name for name in ids if ids.count(name) > 1})
    if duplicates:
        raise ListError(f"{path}: ids used twice: {', '.join(duplicates)}")
    return mutants


def run(command, **options):
    return subprocess.run(command, cwd=ROOT, text=True, capture_output=True, **options)


def build(product):
    """Builds `product` (debug) and returns the path of its binary; raises with the compiler's errors."""
    result = run(["swift", "build", "--product", product])
    if result.returncode != 0:
        errors = [line for line in (result.stdout + result.stderr).splitlines() if "error:" in line]
        raise RuntimeError("\n".join(errors[:5]) or result.stderr[-2000:])
    return os.path.join(run(["swift", "build", "--show-bin-path"]).stdout.strip(), product)


def checks(specrunner, secret):
    """SpecRunner's checks in order, each (name, which server, arguments after the base URL)."""
    fuzz = ["fuzz", "--seed", "20261206", "--duration", "90", "--exclude", "logout", "--exclude", "revokeAllSessions"]
    edges = [(f"edges ({name}.env)", name, [specrunner, "--tag", "edges", "--settings", path, "--base-url"]) for name, path in settings_files()]
    return [("conformance", "main", [specrunner, "--var", f"jwtSecret={secret}", "--base-url"])] + edges + [
        ("fuzz", "main", [specrunner] + fuzz + ["--count", "400", "--base-url"]),
        ("stateful", "main", [specrunner, "fuzz", "--stateful", "--seed", "20261206", "--count", "60", "--duration", "90", "--base-url"]),
    ]


def check_mutant(binary, specrunner, mutant, database_url, work):
    """The first check that catches the mutant server (or None), with what it printed last."""
    secret = secrets.token_urlsafe(48)
    common = {"JWT_SECRET": secret, "BCRYPT_COST": "10", "PASSWORD_HASH_MAX_WAIT": "60", "PASSWORD_HASH_NICE": "0", "LOG_LEVEL": "warning"}
    if mutant.get("storage") == "postgres":
        common["DATABASE_URL"] = database_url
    main = dict(common, RATE_LIMIT_AUTH_PER_MINUTE="0", RATE_LIMIT_CHAT_PER_MINUTE="0", RATE_LIMIT_AUTH_FAILURES_PER_MINUTE="0",
                DATABASE_PATH=os.path.join(work, "main", "db.sqlite"))
    servers = {"main": Server(binary, os.path.join(work, "main"), main)}
    try:
        if not servers["main"].wait():
            return "main server did not start", ""
        for name, path in settings_files():
            servers[name] = SettingsDeployment(binary, os.path.join(work, name), path, dict(common, DATABASE_PATH=os.path.join(work, name, "db.sqlite")))
            if not servers[name].ready():
                return f"{name} server did not start", ""
        for name, which, command in checks(specrunner, secret):
            result = subprocess.run(command + [servers[which].url], cwd=work, text=True, capture_output=True, timeout=600)
            if result.returncode == 1:
                failed = [line for line in result.stdout.splitlines() if line.startswith(("✘", "  ✘", "    ✘", "    -", "      -"))]
                return name, "\n".join(failed[:6])
            if result.returncode != 0:
                raise RuntimeError(f"specrunner {name} exited with {result.returncode}: {result.stderr.strip()[-500:]}")
        return None, ""
    finally:
        for server in servers.values():
            server.stop()


def postgres():
    """A DATABASE_URL for the PostgreSQL mutants, and how to stop what was started for it."""
    if os.environ.get("DATABASE_URL_FOR_MUTANTS"):
        return os.environ["DATABASE_URL_FOR_MUTANTS"], lambda: None
    state = tempfile.mkdtemp(prefix="mutants-postgres-")
    environment = dict(os.environ, PGSTATE=state)
    url = subprocess.run(["bash", "scripts/postgres.sh", "start", str(free_port())], cwd=ROOT, env=environment, text=True,
                         capture_output=True, check=True).stdout.strip()
    return url + "?sslmode=disable", lambda: subprocess.run(["bash", "scripts/postgres.sh", "stop"], cwd=ROOT, env=environment, capture_output=True)


def main():
    parser = argparse.ArgumentParser(description="Mutation testing of SpecRunner's checks on the reference server.")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--sample", action="store_true", help="only the mutants marked 'ci: yes'")
    chosen.add_argument("--only", help="only these ids, comma-separated")
    parser.add_argument("--list", action="store_true", help="list the mutants and run nothing")
    parser.add_argument("--json", help="also write the results to this file")
    arguments = parser.parse_args()

    try:
        mutants = parse(os.path.join(ROOT, "scripts/mutants.txt"))
        for mutant in mutants:
            with open(os.path.join(ROOT, mutant["file"]), encoding="utf-8") as handle:
                count = handle.read().count(mutant["find"])
            if count != 1:
                raise ListError(f"mutant {mutant['id']}: its text occurs {count} times in {mutant['file']}, not once: update scripts/mutants.txt")
    except (ListError, OSError) as error:
        print(f"mutate: {error}", file=sys.stderr)
        return 2
    if arguments.sample:
        mutants = [mutant for mutant in mutants if mutant.get("ci") == "yes"]
    elif arguments.only:
        wanted = arguments.only.split(",")
        unknown = sorted(set(wanted) - {mutant["id"] for mutant in mutants})
        if unknown:
            print(f"mutate: no mutant named {', '.join(unknown)}", file=sys.stderr)
            return 2
        mutants = [mutant for mutant in mutants if mutant["id"] in wanted]
    if arguments.list:
        for mutant in mutants:
            print(f"{mutant['id']:42} {mutant['why']}")
        return 0

    work = tempfile.mkdtemp(prefix="mutants-")
    print(f"Building specrunner and the server as they are ({len(mutants)} mutants to run) ...", flush=True)
    specrunner = shutil.copy(build("specrunner"), os.path.join(work, "specrunner"))
    build("server")
    database_url, stop_postgres = postgres() if any(m.get("storage") == "postgres" for m in mutants) else (None, lambda: None)
    results, broken = [], False
    try:
        for index, mutant in enumerate(mutants, start=1):
            path = os.path.join(ROOT, mutant["file"])
            with open(path, encoding="utf-8") as handle:
                original = handle.read()
            start = time.monotonic()
            try:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(original.replace(mutant["find"], mutant["replace"], 1))
                binary = shutil.copy(build("server"), os.path.join(work, "server-mutant"))
            except RuntimeError as error:
                print(f"mutate: mutant {mutant['id']} does not build:\n{error}", file=sys.stderr)
                broken = True
                break
            finally:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(original)
            folder = os.path.join(work, mutant["id"])
            caught, detail = check_mutant(binary, specrunner, mutant, database_url, folder)
            seconds = time.monotonic() - start
            results.append({"id": mutant["id"], "file": mutant["file"], "why": mutant["why"], "storage": mutant.get("storage", "sqlite"),
                            "caught_by": caught, "seconds": round(seconds, 1)})
            mark = f"caught by {caught}" if caught else "SURVIVED"
            print(f"[{index}/{len(mutants)}] {mutant['id']}: {mark} ({seconds:.0f} s)", flush=True)
            if detail:
                print("    " + detail.replace("\n", "\n    "), flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        stop_postgres()
        build("server")
    if broken:
        return 2
    caught = [result for result in results if result["caught_by"]]
    print("")
    print(f"{'mutant':42} {'storage':9} caught by")
    for result in results:
        print(f"{result['id']:42} {result['storage']:9} {result['caught_by'] or 'SURVIVED: ' + result['why']}")
    print(f"\nScore: {len(caught)} of {len(results)} mutants caught by SpecRunner alone ({100 * len(caught) // max(1, len(results))}%)")
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as handle:
            json.dump({"caught": len(caught), "total": len(results), "mutants": results}, handle, indent=2)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if len(caught) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
