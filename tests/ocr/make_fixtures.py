#!/usr/bin/env python3
"""Render the OCR fixtures: Chinese tables like the seed notice's standards
list (published as JPEG tables) and a plain text image, each with the text
it shows (NAME.txt: one line per table row, cells separated by a tab; a
wrapped cell's lines joined).  Needs ImageMagick (convert) and
fonts-noto-cjk.  The JPEGs and .txt files are committed; run this again only
to change them:  python3 tests/ocr/make_fixtures.py tests/ocr/fixtures

The standard names are real national standards named in the notices of
../shared/notices (TC260 announcements); nothing here is invented text.
"""
import os
import subprocess
import sys

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
WIDTH = 640          # WeChat shows content images 640 px wide
QUALITY = 80         # mmbiz JPEGs are around q 75-85

# (standard name, kind, working group, months)
STANDARDS = [
    ("GB/T 41871-2022 信息安全技术 汽车数据处理安全要求", "修订", "WG7", "12个月"),
    ("GB/T 44464-2024 汽车数据通用要求", "修订", "WG7", "18个月"),
    ("GB/T 43697-2024 数据安全技术 数据分类分级规则", "修订", "WG7", "12个月"),
    ("数据安全技术 个人信息保护合规审计要求", "制定", "WG7", "12个月"),
    ("数据安全技术 数据接口安全风险监测方法", "制定", "WG7", "18个月"),
    ("网络安全技术 生成式人工智能服务安全基本要求", "制定", "SWG-ETS", "12个月"),
    ("信息安全技术 生成式人工智能数据标注安全规范", "制定", "SWG-ETS", "12个月"),
    ("信息安全技术 生成式人工智能预训练和优化训练数据安全规范", "制定", "SWG-ETS", "18个月"),
    ("信息安全技术 智能手机预装应用程序基本安全要求", "修订", "WG8", "12个月"),
    ("信息安全技术 终端计算机通用安全技术规范", "修订", "WG5", "18个月"),
    ("信息安全技术 网络安全专用产品安全技术要求", "修订", "WG5", "12个月"),
    ("网络安全技术 软件物料清单数据格式", "制定", "WG5", "24个月"),
    ("网络安全技术 网络安全 第7部分：网络虚拟化安全", "制定", "WG5", "18个月"),
    ("网络安全技术 标识密码认证系统密码及其相关安全技术要求", "制定", "WG3", "24个月"),
]
HEADER = ("序号", "标准名称", "类型", "工作组", "周期")

PARAGRAPHS = [
    "为加强网络安全国家标准在国家网络安全保障工作中的",
    "基础性、规范性、引领性作用，全国网络安全标准化技术",
    "委员会秘书处坚持问题导向，调研国家网络安全重点工作",
    "和技术产业发展需求，研究形成了2024年度第一批网络安",
    "全国家标准需求清单。现将清单印发给你们，请围绕需求",
    "做好申报工作，并于2024年5月31日前登录网安标委官方",
    "网站进行申报。",
    "",
    "全国网络安全标准化技术委员会秘书处",
    "2024年5月10日",
]


def advance(ch, size):
    """Approximate advance width of one character in Noto Sans CJK."""
    if ord(ch) < 128:
        return size * (0.3 if ch == " " else 0.62)
    return size * 1.0


def wrap(text, width, size):
    """Greedy wrap by estimated advances (never splits inside an ASCII word
    shorter than the line)."""
    lines, cur, w = [], "", 0.0
    for ch in text:
        a = advance(ch, size)
        if w + a > width and cur:
            lines.append(cur.rstrip())
            cur, w = "", 0.0
            if ch == " ":
                continue
        cur += ch
        w += a
    if cur:
        lines.append(cur)
    return lines


def mvg_text(x, y, s):
    return "text %d,%d '%s'" % (x, y, s.replace("\\", "\\\\").replace("'", "\\'"))


def table(rows, cols, size=17, line=1, header_fill=None, header_text="black",
          bold_header=True):
    """Draw a ruled table; returns (mvg commands, height, expected lines)."""
    pad, lh = 7, int(size * 1.55)
    cells = []
    for r, row in enumerate(rows):
        cells.append([wrap(c, cols[i] - 2 * pad, size) for i, c in enumerate(row)])
    heights = [max(len(c) for c in row) * lh + 2 * pad for row in cells]
    x0, y0 = (WIDTH - sum(cols)) // 2, 12
    total = sum(heights)
    cmds = ["stroke-antialias 0"]
    if header_fill:
        cmds += ["fill '%s'" % header_fill, "stroke none",
                 "rectangle %d,%d %d,%d" % (x0, y0, x0 + sum(cols), y0 + heights[0])]
    cmds += ["stroke-antialias 1", "stroke none"]
    y = y0
    for r, row in enumerate(cells):
        x = x0
        head = r == 0
        cmds.append("font '%s'" % (FONT_BOLD if head and bold_header else FONT))
        cmds.append("fill '%s'" % (header_text if head else "black"))
        cmds.append("font-size %d" % size)
        for i, lines in enumerate(row):
            block = len(lines) * lh
            ty = y + (heights[r] - block) // 2
            for k, ln in enumerate(lines):
                tw = sum(advance(ch, size) for ch in ln)
                tx = x + pad if i == 1 and not head else x + (cols[i] - tw) / 2
                cmds.append(mvg_text(tx, ty + k * lh + int(size * 1.1), ln))
            x += cols[i]
        y += heights[r]
    cmds += ["stroke black", "stroke-width %d" % line, "fill none", "stroke-antialias 0"]
    y = y0
    for h in [0] + heights:
        y += h
        cmds.append("line %d,%d %d,%d" % (x0, y, x0 + sum(cols), y))
    x = x0
    for w in [0] + list(cols):
        x += w
        cmds.append("line %d,%d %d,%d" % (x, y0, x, y0 + total))
    expected = ["\t".join("".join(c) for c in row) for row in cells]
    return cmds, y0 + total + 12, expected


def render(out, cmds, height, quality=QUALITY, extra=()):
    # the drawing goes on the command line: Debian's ImageMagick policy
    # refuses "@file" arguments
    subprocess.run(["convert", "-size", "%dx%d" % (WIDTH, height), "xc:white",
                    "-draw", "\n".join(cmds), *extra, "-sampling-factor", "4:2:0",
                    "-strip", "-quality", str(quality), out], check=True)


def rows_of(items, start=1):
    return [HEADER] + [(str(start + i),) + it for i, it in enumerate(items)]


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "tests/ocr/fixtures"
    os.makedirs(d, exist_ok=True)
    made = {}
    # a wide name column: one line per cell
    made["table-plain"] = table(rows_of(STANDARDS[:8]), (50, 370, 60, 80, 70))
    # a narrow name column: names wrap over two or three lines
    made["table-wrapped"] = table(rows_of(STANDARDS[6:], 7), (50, 230, 70, 110, 90), size=18)
    # a coloured header with white text, 16 px
    made["table-colour-header"] = table(rows_of(STANDARDS[3:11], 4), (50, 300, 70, 100, 80),
                                        size=16, header_fill="#2f5597", header_text="white")
    expected = {}
    for name, (cmds, h, exp) in made.items():
        render(os.path.join(d, name + ".jpg"), cmds, h)
        expected[name] = exp
    # the wrapped table turned by 1 degree (a photographed or re-scanned list)
    cmds, h, exp = made["table-wrapped"]
    render(os.path.join(d, "table-rotated.jpg"), cmds, h,
           extra=("-background", "white", "-rotate", "1", "-resize", "%dx" % WIDTH))
    expected["table-rotated"] = exp
    # plain paragraphs: no grid, lines kept
    size, lh = 18, 30
    cmds = ["font '%s'" % FONT, "font-size %d" % size, "fill black"]
    for i, ln in enumerate(PARAGRAPHS):
        if ln:
            cmds.append(mvg_text(24, 30 + i * lh + size, ln))
    render(os.path.join(d, "text-paragraphs.jpg"), cmds, 40 + len(PARAGRAPHS) * lh + 20)
    expected["text-paragraphs"] = [ln for ln in PARAGRAPHS if ln]
    # degraded variants of every clean fixture: JPEG q=50, and 1.5x smaller
    for name in list(expected):
        src = os.path.join(d, name + ".jpg")
        subprocess.run(["convert", src, "-quality", "50", os.path.join(d, "degraded-q50-" + name + ".jpg")], check=True)
        subprocess.run(["convert", src, "-resize", "66.667%", "-quality", str(QUALITY),
                        os.path.join(d, "degraded-small-" + name + ".jpg")], check=True)
        for prefix in ("", "degraded-q50-", "degraded-small-"):
            with open(os.path.join(d, prefix + name + ".txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(expected[name]) + "\n")


if __name__ == "__main__":
    main()
