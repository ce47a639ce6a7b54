"""Definition -> WTForms form class -> public HTML; the public blueprint (/f/<slug>)."""
