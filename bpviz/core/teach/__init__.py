"""Writers of the one model: renderers of equations (plain text, Qt / HTML, LaTeX) and the
worked example's narrative. They do no maths of their own."""
