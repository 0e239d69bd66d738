"""``python -m accounts COMMAND``: manage accounts and read the audit log from a shell.

Commands:
  add NAME --role ROLE [--password-stdin]     create a local account (password generated and
                                              printed once, unless read from standard input)
  list                                        every account: role, source, state, last sign-in
  set-role NAME ROLE                          give an account another role
  disable NAME / enable NAME                  stop or allow an account's sign-in
  reset-password NAME [--password-stdin]      a new password (generated unless given), lock lifted
  verify-audit                                check the audit log's hash chain (exit 1 if broken)
  audit [--user U] [--action A] [--limit N]   the latest audit rows

Whoever can run this can read and change the data folder anyway, so it asks for no password;
every account change it makes is recorded in the audit log under the operating-system user who
ran it. Mistakes (an unknown role, a short password) print a message and exit with 2.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from accounts import audit, service
from accounts.errors import AccountError
from accounts.roles import DESCRIPTIONS, ROLES
from queries import accounts_store, audit_store

BAD_INPUT = 2


def _operator() -> str:
    """The operating-system user running the command, as the audit log names them."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _read_password() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise AccountError("--password-stdin: no password on standard input")
    return line


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Rows as left-aligned columns under a header."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _show_password(password: str | None) -> None:
    if password is not None:
        print(f"password (shown only this once): {password}")


# -- account changes, each recorded ----------------------------------------------------------
def _change(args: argparse.Namespace, what: str, run: Callable[[], str]) -> int:
    """Run an account change and record it (outcome ``failed`` with the reason when it is
    refused); what it printed, its exit code."""
    try:
        message = run()
    except AccountError as exc:
        _record(args, f"{what}: {exc}", "failed")
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    _record(args, what, "ok")
    print(message)
    return 0


def _record(args: argparse.Namespace, detail: str, outcome: str) -> None:
    """One audit row: the operating-system user as ``admin`` on page ``cli``, the account's name
    as the row's one id (so "who changed this account?" is a search by id)."""
    name = str(args.name)[:100]
    audit.record(
        _operator(),
        "admin",
        audit.ACCOUNT,
        "cli",
        f"accounts {args.command} {name}",
        ids=[name],
        outcome=outcome,
        client=socket.gethostname(),
        detail=detail,
    )


def cmd_add(args: argparse.Namespace) -> int:
    def run() -> str:
        password = _read_password() if args.password_stdin else None
        generated = service.create_user(args.name, args.role, password)
        _show_password(generated)
        return f"created {args.name} with role {args.role}"

    return _change(args, f"add with role {args.role}", run)


def cmd_set_role(args: argparse.Namespace) -> int:
    def run() -> str:
        before = accounts_store.get_user(service.check_name(args.name))
        service.set_role(args.name, args.role)
        return f"{args.name}: role {before.role} -> {args.role}"

    return _change(args, f"set role {args.role}", run)


def cmd_disable(args: argparse.Namespace) -> int:
    return _change(args, "disable", lambda: f"{service.disable(args.name).name} disabled")


def cmd_enable(args: argparse.Namespace) -> int:
    return _change(args, "enable", lambda: f"{service.enable(args.name).name} enabled")


def cmd_reset_password(args: argparse.Namespace) -> int:
    def run() -> str:
        password = _read_password() if args.password_stdin else None
        _show_password(service.reset_password(args.name, password))
        return f"{args.name}: password reset"

    return _change(args, "reset password", run)


# -- reading ---------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    rows = []
    for user in accounts_store.list_users():
        until = user.locked_at(now)
        rows.append(
            (
                user.name,
                user.role,
                user.source,
                "yes" if user.disabled else "no",
                f"until {until:%Y-%m-%d %H:%M} UTC" if until else "no",
                user.last_login_at or "never",
            )
        )
    header = ("name", "role", "source", "disabled", "locked", "last login")
    print(_table(header, rows) if rows else "no accounts yet")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    result = audit.verify()
    if result.ok:
        print(f"audit log OK: {result.rows} rows checked, chain intact")
        print(f"latest hash: {result.head}")
        return 0
    print(f"audit log BROKEN at seq {result.first_bad_seq}: {result.reason}")
    print(f"{result.rows} rows before it check out; the last good hash is {result.head}")
    return 1


def cmd_audit(args: argparse.Namespace) -> int:
    frame = audit_store.read(user=args.user, action=args.action, limit=args.limit)
    columns = ("seq", "at", "user", "role", "action", "page", "id_count", "outcome", "detail")
    rows = [tuple(row[c] for c in columns) for row in frame.iter_rows(named=True)]
    print(_table(columns, rows) if rows else "no audit rows match")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    roles = "; ".join(f"{r}: {DESCRIPTIONS[r]}" for r in ROLES)
    top = argparse.ArgumentParser(
        prog="python -m accounts",
        description=__doc__.splitlines()[0],
        epilog=f"Roles: {roles}.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="create a local account")
    p.add_argument("name")
    p.add_argument("--role", required=True, help=", ".join(ROLES))
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(run=cmd_add)
    sub.add_parser("list", help="every account").set_defaults(run=cmd_list)
    p = sub.add_parser("set-role", help="give an account another role")
    p.add_argument("name")
    p.add_argument("role", help=", ".join(ROLES))
    p.set_defaults(run=cmd_set_role)
    for name, run, what in (
        ("disable", cmd_disable, "stop an account from signing in"),
        ("enable", cmd_enable, "let a disabled account sign in again"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("name")
        p.set_defaults(run=run)
    p = sub.add_parser("reset-password", help="a new password, lock lifted")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(run=cmd_reset_password)
    sub.add_parser("verify-audit", help="check the audit log's hash chain").set_defaults(
        run=cmd_verify_audit
    )
    p = sub.add_parser("audit", help="the latest audit rows, newest first")
    p.add_argument("--user")
    p.add_argument("--action", help=", ".join(audit.ACTIONS))
    p.add_argument("--limit", type=_positive, default=50)
    p.set_defaults(run=cmd_audit)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
