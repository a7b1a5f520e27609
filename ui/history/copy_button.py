"""A "Copy" button that puts a text (a link) on the clipboard, in the page itself (a components-v2 component).

Streamlit's own code box only shows a copy icon on hover, which a phone never has; this is a real button.
"""

from __future__ import annotations

import streamlit as st

_HTML = '<button type="button" class="copy">Copy link</button><span class="done" aria-live="polite"></span>'
_CSS = """
.copy { font: inherit; padding: 0.4rem 0.9rem; border-radius: 0.5rem; cursor: pointer; min-height: 2.5rem;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  background: var(--st-secondary-background-color, #fff); color: var(--st-text-color, inherit); }
.copy:hover { border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b); }
.done { margin-left: 0.5rem; font-size: 0.875rem; }
"""
# Falls back to selecting a hidden field and execCommand where the Clipboard API is not allowed (plain http).
_JS = """
export default function ({ parentElement, data }) {
  const button = parentElement.querySelector(".copy");
  const done = parentElement.querySelector(".done");
  button.onclick = async () => {
    try {
      await navigator.clipboard.writeText(data.text);
    } catch (error) {
      const field = document.createElement("textarea");
      field.value = data.text;
      document.body.appendChild(field);
      field.select();
      document.execCommand("copy");
      field.remove();
    }
    done.textContent = "Copied";
    setTimeout(() => { done.textContent = ""; }, 2000);
  };
}
"""
_copy = st.components.v2.component("history_copy_link", html=_HTML, css=_CSS, js=_JS)


def copy_button(text: str, *, key: str) -> None:
    _copy(key=key, data={"text": text}, width="content")
