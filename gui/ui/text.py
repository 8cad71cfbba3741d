"""User text inside Streamlit markdown: file, column and class names shown as typed.

st.markdown, st.error, st.info, captions and help texts all render Markdown (and Streamlit's
`:red[...]`, `:material/...:` and `$...$` extensions), so a column named `![x](http://...)`
would become an image. `md` escapes such text; `code` shows it as inline code when it can.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md(value) -> str:
    """`value` as literal text inside Markdown."""
    return _SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


def code(value) -> str:
    """`value` as inline code (literal already); escaped text if it holds a backtick."""
    text = str(value).replace("\n", " ")
    return f"`{text}`" if "`" not in text else md(text)
