"""Quarantine: rows that break the canonical format are kept, with the reason, never dropped."""
import collections
import csv
import os


class Quarantine:
    """Collects rejected rows and the read / kept counts per file.

    Usage:
        q = Quarantine()
        q.add("events.csv", line=12, column="rating", reason="non-numeric rating", raw="u1,i9,x")
        q.count("events.csv", read=100, kept=99)
        q.write("out/quarantine.csv"); print(q.summary())
    """

    COLUMNS = ("file", "line", "column", "reason", "raw")

    def __init__(self):
        self.rows = []
        self.read = collections.Counter()
        self.kept = collections.Counter()

    def add(self, file, line, column, reason, raw=""):
        self.rows.append({"file": file, "line": line, "column": column or "",
                          "reason": reason, "raw": raw})

    def count(self, file, read, kept):
        self.read[file] += read
        self.kept[file] += kept

    def reasons(self):
        """Counter of (file, reason) -> quarantined rows."""
        return collections.Counter((r["file"], r["reason"]) for r in self.rows)

    def __len__(self):
        return len(self.rows)

    def write(self, path):
        """Writes quarantine.csv (always, so an empty file says 'nothing was quarantined')."""
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=self.COLUMNS)
            writer.writeheader()
            writer.writerows(sorted(self.rows, key=lambda r: (r["file"], r["line"])))

    def summary(self):
        """A plain-text table: rows read / kept / quarantined per file, then by reason."""
        lines = [f"{'file':<16}{'read':>10}{'kept':>10}{'quarantined':>13}"]
        reasons = self.reasons()
        for file in sorted(set(self.read) | {f for f, _ in reasons}):
            lines.append(f"{file:<16}{self.read[file]:>10}{self.kept[file]:>10}"
                         f"{self.read[file] - self.kept[file]:>13}")
        for (file, reason), n in sorted(reasons.items()):
            lines.append(f"  {file}: {n} x {reason}")
        return "\n".join(lines)
