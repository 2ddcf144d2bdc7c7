#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# bench-chart.py RESULTS OUTPUT.svg: the manual's performance chart, a
# grouped bar chart of messages per second (the median of each client's
# runs) per workload, drawn as SVG from the raw results of one run of the
# peer benchmark harness (its RESULTS file: one JSON object per line, with
# "peer", "workload" and "result": {"msgs_per_s"}). Python's standard
# library only.
import json
import statistics
import sys
from xml.sax.saxutils import escape

WORKLOADS = ["pub0", "pub1", "pub2", "sub0", "sub1"]
# Ours first, the ceiling last; the other peers in between, as they come.
ORDER_FIRST = ["mqtt-glib"]
ORDER_LAST = ["raw-socket"]
COLOURS = ["#2e7d32", "#1565c0", "#6a1b9a", "#ef6c00", "#c62828", "#00838f", "#9e9e9e"]


def load(path):
    rates = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            run = json.loads(line)
            result = run.get("result") or {}
            if run.get("workload") in WORKLOADS and "msgs_per_s" in result:
                rates.setdefault(run["peer"], {}).setdefault(run["workload"], []).append(
                    result["msgs_per_s"])
    return {peer: {w: statistics.median(v) for w, v in by.items()} for peer, by in rates.items()}


def ordered(peers):
    middle = [p for p in peers if p not in ORDER_FIRST + ORDER_LAST]
    return ([p for p in ORDER_FIRST if p in peers] + sorted(middle) +
            [p for p in ORDER_LAST if p in peers])


def nice_ceiling(value):
    """The first of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten
    above @value."""
    power = 10 ** (len(str(int(value))) - 1)
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * power >= value:
            return m * power


def chart(rates):
    peers = ordered(rates)
    top = nice_ceiling(max(r for by in rates.values() for r in by.values()))
    width, height = 760, 360
    left, right, bottom, head = 70, 150, 40, 30
    plot_w, plot_h = width - left - right, height - bottom - head
    group_w = plot_w / len(WORKLOADS)
    bar_w = group_w * 0.8 / len(peers)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<text x="%d" y="18" font-size="13">Messages per second, 64-byte payloads '
           '(median of the runs; higher is better)</text>' % left]
    for i in range(6):
        value = top * i / 5
        y = head + plot_h - plot_h * i / 5
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>'
                   % (left, y, left + plot_w, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                   % (left - 6, y + 4, "{:,.0f}".format(value)))
    for g, workload in enumerate(WORKLOADS):
        x0 = left + g * group_w + group_w * 0.1
        for p, peer in enumerate(peers):
            rate = rates[peer].get(workload)
            if rate is None:
                continue
            h = plot_h * rate / top
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">'
                       '<title>%s %s: %s msgs/s</title></rect>'
                       % (x0 + p * bar_w, head + plot_h - h, bar_w * 0.9, h,
                          COLOURS[p % len(COLOURS)], escape(peer), workload,
                          "{:,.0f}".format(rate)))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                   % (left + g * group_w + group_w / 2, head + plot_h + 18, workload))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000000"/>'
               % (left, head + plot_h, left + plot_w, head + plot_h))
    for p, peer in enumerate(peers):
        y = head + 10 + p * 18
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>'
                   % (left + plot_w + 16, y - 10, COLOURS[p % len(COLOURS)]))
        out.append('<text x="%d" y="%d">%s</text>' % (left + plot_w + 34, y, escape(peer)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-chart.py RESULTS OUTPUT.svg")
    rates = load(sys.argv[1])
    if not rates:
        sys.exit("bench-chart.py: no results in %s" % sys.argv[1])
    with open(sys.argv[2], "w") as f:
        f.write(chart(rates))


if __name__ == "__main__":
    main()
