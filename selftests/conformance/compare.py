#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Side by side: vfio_mig_conformance's results on several devices.

usage: compare.py --uapi VFIO_H --table FILE --dev NAME TAP EXPECT ...

Each --dev names a device, the TAP output of vfio_mig_conformance run on
it, and its expectation file.  A check is expected to pass unless the
device's expectation file says otherwise; an entry there is

    check  NAME-OR-GLOB          the harness's test name, e.g. conf.x or
                                 pair.ERROR__to__*.transition
    expect fail|skip
    reason TEXT                  must appear in that test's output: the
                                 check fails (or skips) for this reason
    uapi   TEXT                  the uAPI text the device breaks (fail) or
    uapi   TEXT...               that allows the skip; continued on more
                                 uapi lines; " ... " separates quotes

and every quote must appear word for word (comment markers and line
breaks aside) in VFIO_H, the kernel's include/uapi/linux/vfio.h.  Lines
starting with '#' are comments.

Prints TAP, one test a check (ok: every device did what is expected of
it), the table as TAP comments, and writes the table to FILE.  Anything
unexpected fails its row: a failure or skip not listed, a listed one that
passed (or failed for another reason), a check missing from a device's
output, an entry that names no check or quotes text the header lacks.
Exit status 0 only if nothing was unexpected.
"""
import argparse
import fnmatch
import re
import sys

RESULT = re.compile(r'^(ok|not ok) (\d+) (\S+)(?: # (SKIP|XFAIL|XPASS)? ?(.*))?$')
RUN = re.compile(r'^#\s+RUN\s+(\S+) \.\.\.$')
PLAN = re.compile(r'^1\.\.(\d+)')


def norm(text):
    """Words of a C header or a quote, without comment markers."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        line = re.sub(r'^(/\*+|\*+/|\*+)', '', line)
        out.append(line)
    return ' '.join(' '.join(out).split())


def parse_tap(path):
    """{check: (outcome, text)}, checks in order, and the plan."""
    res, order, plan = {}, [], None
    block = []
    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError as e:
        return res, order, None, str(e)
    for line in lines:
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        if RUN.match(line):
            block = [line]
            continue
        m = RESULT.match(line)
        if m:
            name = m.group(3)
            if m.group(4) == 'SKIP':
                outcome = 'skip'
            elif m.group(1) == 'ok':
                outcome = 'pass'
            else:
                outcome = 'fail'
            block.append(line)
            res[name] = (outcome, '\n'.join(block))
            order.append(name)
            block = []
            continue
        block.append(line)
    return res, order, plan, None


def parse_expect(path, header):
    """Entries [{check, expect, reason, uapi, line}] and format errors."""
    entries, errors, cur = [], [], None
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        return [], [f'{path}: {e.strerror}']
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        key, _, val = line.partition(' ')
        val = val.strip()
        if key == 'check':
            cur = {'check': val, 'expect': None, 'reason': None,
                   'uapi': '', 'line': n, 'used': False}
            entries.append(cur)
        elif cur is None:
            errors.append(f'{path}:{n}: "{key}" before any "check"')
        elif key == 'expect':
            cur['expect'] = val
        elif key == 'reason':
            cur['reason'] = val
        elif key == 'uapi':
            cur['uapi'] = (cur['uapi'] + ' ' + val).strip()
        else:
            errors.append(f'{path}:{n}: unknown key "{key}"')
    for e in entries:
        where = f'{path}:{e["line"]}: {e["check"]}'
        if e['expect'] not in ('fail', 'skip'):
            errors.append(f'{where}: expect must be fail or skip, not {e["expect"]}')
        if not e['reason']:
            errors.append(f'{where}: no reason')
        if not e['uapi']:
            errors.append(f'{where}: no uapi quote')
        for q in e['uapi'].split(' ... '):
            q = norm(q.strip().strip('"'))
            if q and q not in header:
                errors.append(f'{where}: quote not in the uAPI header: "{q}"')
    return entries, errors


def judge(outcome, text, entry):
    """(cell, unexpected?) for one device's result of one check."""
    want = entry['expect'] if entry else 'pass'
    if outcome is None:
        return 'MISSING', True
    if outcome == want == 'pass':
        return 'pass', False
    if outcome == want:
        if entry['reason'] in text:
            return ('xfail' if want == 'fail' else 'skip'), False
        return f'{outcome.upper()} (not for the listed reason)', True
    if outcome == 'pass':
        return 'XPASS', True
    return outcome.upper(), True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--uapi', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--dev', nargs=3, action='append', required=True,
                    metavar=('NAME', 'TAP', 'EXPECT'))
    a = ap.parse_args()
    header = norm(open(a.uapi).read())

    devs = []
    problems = []
    for name, tap, exp in a.dev:
        res, order, plan, err = parse_tap(tap)
        if err:
            problems.append(f'{name}: {tap}: {err}')
        elif plan is None:
            problems.append(f'{name}: {tap}: no TAP plan')
        elif len(order) != plan:
            problems.append(f'{name}: {tap}: {len(order)} of {plan} checks reported')
        entries, errs = parse_expect(exp, header)
        problems += [f'{name}: {e}' for e in errs]
        devs.append({'name': name, 'res': res, 'order': order,
                     'entries': entries, 'exp': exp})

    checks = []
    for d in devs:
        for c in d['order']:
            if c not in checks:
                checks.append(c)

    rows, notes = [], []
    for c in checks:
        cells, bad = [], False
        for d in devs:
            entry = next((e for e in d['entries']
                          if fnmatch.fnmatchcase(c, e['check'])), None)
            outcome, text = d['res'].get(c, (None, ''))
            cell, unexpected = judge(outcome, text, entry)
            if entry:
                entry['used'] = True
                if not unexpected and entry['expect'] == 'fail':
                    notes.append((d['name'], c, entry))
                    cell += f' [{len(notes)}]'
            if unexpected:
                cell += ' !'
            cells.append(cell)
            bad |= unexpected
        rows.append((c, cells, bad))
    for d in devs:
        for e in d['entries']:
            if not e['used']:
                problems.append(f'{d["name"]}: {d["exp"]}:{e["line"]}: '
                                f'{e["check"]} names no check that ran')

    w0 = max([len('check')] + [len(c) for c in checks])
    ws = [max([len(d['name'])] + [len(r[1][i]) for r in rows])
          for i, d in enumerate(devs)]
    table = ['  '.join([f'{"check":<{w0}}'] +
                       [f'{d["name"]:<{ws[i]}}' for i, d in enumerate(devs)])]
    for c, cells, _ in rows:
        table.append('  '.join([f'{c:<{w0}}'] +
                               [f'{x:<{ws[i]}}' for i, x in enumerate(cells)]))
    table.append('')
    table.append('pass: passed; xfail [n]: failed as its expectation file '
                 'says, for the uAPI rule in note n (the device\'s '
                 'deviation, not the suite\'s); skip: skipped as expected; '
                 '"!": unexpected (fails the run)')
    for i, (dev, c, e) in enumerate(notes, 1):
        table.append(f'[{i}] {dev}: {c} fails: "{e["reason"]}"')
        table.append(f'    uAPI (include/uapi/linux/vfio.h): "{e["uapi"]}"')
    for d in devs:
        counts = {}
        for c, cells, _ in rows:
            k = cells[devs.index(d)].split(' ')[0]
            counts[k] = counts.get(k, 0) + 1
        table.append(f'{d["name"]}: ' + ', '.join(
            f'{v} {k}' for k, v in sorted(counts.items())))
    nbad = sum(1 for r in rows if r[2]) + len(problems)
    for p in problems:
        table.append(f'problem: {p}')
    table.append(f'unexpected: {nbad}')

    with open(a.table, 'w') as f:
        f.write('\n'.join(table) + '\n')
    print(f'1..{len(rows) + 1}')
    for i, (c, cells, bad) in enumerate(rows, 1):
        desc = ', '.join(f'{d["name"]} {cells[j]}' for j, d in enumerate(devs))
        print(f'{"not ok" if bad else "ok"} {i} {c}: {desc}')
    print(f'{"not ok" if problems else "ok"} {len(rows) + 1} every device '
          f'reported every check; expectation files valid and used')
    for line in table:
        print(f'# {line}')
    return 1 if nbad else 0


if __name__ == '__main__':
    sys.exit(main())
