"""User text inside Streamlit markdown: file, column and class names shown as typed.

st.markdown, st.error, st.info, captions and help texts all render Markdown (and Streamlit's
`:red[...]`, `:material/...:` and `$...$` extensions), so a column named `![x](http://...)`
would become an image. `md` escapes such text; `code` shows it as inline code when it can.
Plotly renders its own markup in titles, axis titles, legend names, tick labels, hover and
annotation text (`<b>`, `<a href=...>`, `<br>`, `$...$` as LaTeX): `plot_text` escapes that.
"""

from __future__ import annotations

import html
import re

# Escaped wherever they stand: emphasis, code, links, HTML, math, strikethrough, tables,
# entities.
_ALWAYS = re.compile(r"([\\`*\[\]<>$~|&])")
# `_` emphasises unless it stands between two letters or digits (GFM: a_b_c stays as it is).
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# `:red[...]`, `:material/x:`, `:smile:`, `http://`, `mailto:`: a colon before a non-space.
_COLON = re.compile(r":(?=\S)")
_WWW = re.compile(r"(?i)\b(www)\.")
# GFM links bare URLs (http://..., www....) and e-mail addresses after parsing, so escapes do
# not stop it; an invisible WORD JOINER before the `:`, `.` or `@` does.
_JOIN = "\u2060"
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")  # headings, quotes, lists


def md(value) -> str:
    """`value` as literal text inside Markdown, on one line.

    Only what Markdown (GFM and Streamlit's directives) would act on is escaped, so ordinary
    prose and names such as `life_expectancy.csv` read the same in the Markdown source.
    URLs and e-mail addresses get an invisible word joiner, so they are not made links.
    """
    text = str(value).replace("\r", " ").replace("\n", " ")
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _COLON.sub(_JOIN + r"\\:", text)
    text = _WWW.sub(r"\1" + _JOIN + ".", text)
    text = text.replace("@", _JOIN + "@")
    match = _LINE_START.match(text)
    if match:
        lead, mark = match.groups()
        start = match.end()
        text = (f"{lead}\\{mark}{text[start:]}" if not mark.isdigit()
                else f"{lead}{mark}\\{text[start:]}")
    return text


# In a message from the core: a `code` span it wrote, or an address (a URL, HOST:PORT).
_MESSAGE_CODE = re.compile(r"`[^`\n]+`|[a-z][\w+.-]*://\S+|\b[A-Z][\w.-]*:\d+\b"
                           r"|\b\d+(?:\.\d+){3}:\d+\b")


def md_message(value) -> str:
    """A message from the core (a setting that cannot work, say) as Markdown: its `code`
    spans kept as code, addresses (URLs, HOST:PORT) made code too, so that what it tells
    one to write is copied as written (md's invisible joiners would go with it), the rest
    literal text (md)."""
    text, out, at = str(value), [], 0
    for found in _MESSAGE_CODE.finditer(text):
        token = found.group(0)
        end = found.end()
        while not token.startswith("`") and token[-1] in ".,;:)" and (
                token[-1] != ")" or token.count("(") < token.count(")")):
            token, end = token[:-1], end - 1
        out += [md(text[at:found.start()]), token if token.startswith("`") else code(token)]
        at = end
    return "".join(out) + md(text[at:])


def code_short(value, limit: int = 60) -> str:
    """`value` as inline code, cut to `limit` characters in its middle (a 100 KB category
    value named in a list of inputs pushed the page's controls thousands of pixels down):
    its start and its end stay, so that one-hot inputs of long column names keep the values
    that tell them apart ("How satisfied … the staff?=Agree").

        >>> code_short("degree=" + "B" * 80 + "=yes", 13)
        '`degree…BB=yes`'
    """
    text = str(value)
    if len(text) <= limit:
        return code(text)
    head = (limit - 1) // 2
    return code(text[:head] + "…" + text[len(text) - (limit - 1 - head):])


def code(value) -> str:
    """`value` as inline code (literal already); escaped text if it holds a backtick."""
    text = str(value).replace("\n", " ")
    return f"`{text}`" if "`" not in text else md(text)


def plot_text(value) -> str:
    """`value` as literal text in a plotly figure (titles, axes, legends, ticks, hovers)."""
    return html.escape(str(value), quote=False).replace("$", "&#36;")
