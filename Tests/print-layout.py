#!/usr/bin/env python3
"""Checks how reports lay out on A4 paper in Chromium: no table cell clipped, none narrower than its longest word.

Usage: print-layout.py REPORT.html [REPORT.html ...]

Each file is opened in the system's Chromium (no browser download) with the print stylesheet and the width of an
A4 page's text area (210 mm less the 12 mm margins of the report's @page rule). For every table cell, Chromium's
layout gives its content width, the width of its longest word (words as Chromium's ICU segmenter splits Japanese
and English text; a number with its mark, such as 3.09* or 秘匿※1, is one word), and whether its content is cut off;
for every table, whether it runs past the page's right edge. Prints one line per finding and exits 1 when there are
any, 0 when there are none, 2 when Chromium or Playwright is missing.
"""
import json
import os
import sys

CHROMIUM = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.access(path, os.X_OK)), None)
# 210 mm − 2 × 12 mm at 96 px per inch.
TEXT_WIDTH = round((210 - 24) / 25.4 * 96)
A4_HEIGHT = round(297 / 25.4 * 96)

MEASURE = r"""
() => {
  const segmenter = new Intl.Segmenter(document.documentElement.lang || 'ja', {granularity: 'word'});
  // The probe sits inside each cell, so that it has exactly the cell's font; absolute, it changes no layout.
  const probe = document.createElement('span');
  probe.style.whiteSpace = 'pre';
  probe.style.position = 'absolute';
  probe.style.visibility = 'hidden';
  const page = document.querySelector('main').getBoundingClientRect();
  const findings = [];
  const tables = Array.from(document.querySelectorAll('table'));
  tables.forEach((table, index) => {
    const caption = (table.caption ? table.caption.textContent : '').slice(0, 40);
    const box = table.getBoundingClientRect();
    if (box.right > page.right + 1) {
      findings.push({kind: 'table past the right margin', table: caption, by: Math.round(box.right - page.right)});
    }
    const wrap = table.parentElement;
    if (wrap && wrap.classList.contains('table-wrap') && wrap.scrollWidth > wrap.clientWidth + 1) {
      findings.push({kind: 'table wider than the page', table: caption, by: wrap.scrollWidth - wrap.clientWidth});
    }
    for (const cell of table.querySelectorAll('th, td')) {
      const text = cell.textContent.trim();
      if (!text) continue;
      const style = getComputedStyle(cell);
      const content = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (cell.scrollWidth > cell.clientWidth + 1) {
        findings.push({kind: 'clipped', table: caption, cell: text.slice(0, 30), width: content, needs: cell.scrollWidth});
      }
      cell.appendChild(probe);
      // Words: what the segmenter finds, with the punctuation and marks around them (3.09*, 秘匿※1, (rev.)).
      let widest = '', widestWidth = 0;
      for (const part of text.split(/\s+/)) {
        const words = [];
        let current = '';
        // A line may break after 、。・ and closing brackets, before opening brackets, and between two words;
        // other marks stay with the word before them (3.09*, 秘匿※1).
        for (const segment of segmenter.segment(part)) {
          const text = segment.segment;
          const breakBefore = (segment.isWordLike && (/[\p{L}\p{N}]$/u.test(current) || /[、。・）」』,;\/-]$/u.test(current)))
            || /^[（「『]/u.test(text) && /[\p{L}\p{N}]$/u.test(current);
          if (current && breakBefore) { words.push(current); current = text; } else { current += text; }
        }
        if (current) words.push(current);
        for (const word of words) {
          probe.textContent = word;
          const width = probe.getBoundingClientRect().width;
          if (width > widestWidth) { widest = word; widestWidth = width; }
        }
      }
      probe.remove();
      if (widestWidth > content + 1) {
        findings.push({kind: 'narrower than its longest word', table: caption, cell: text.slice(0, 30), word: widest,
                       width: Math.round(content), needs: Math.round(widestWidth)});
      }
    }
  });
  return {tables: tables.length, findings};
}
"""


def main(paths):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright for Python is missing (pip install playwright)", file=sys.stderr)
        return 2
    if CHROMIUM is None:
        print("Chromium is missing", file=sys.stderr)
        return 2
    failed = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": TEXT_WIDTH, "height": A4_HEIGHT})
        page.emulate_media(media="print")
        for path in paths:
            page.goto("file://" + os.path.abspath(path))
            result = page.evaluate(MEASURE)
            name = os.path.basename(path)
            print(f"{name}: {result['tables']} tables, {len(result['findings'])} findings")
            for finding in result["findings"]:
                failed = True
                print(f"{name}: " + json.dumps(finding, ensure_ascii=False))
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
