/* placeholder: a framed text box standing in for an image; see
 * placeholder.h.  curses-free. */
#include "placeholder.h"
#include <stdio.h>
#include <string.h>

void img_placeholder(int w_px, int h_px, int cols, int rows, const char *label, sbx_buf *out)
{
	char def[48];
	if (!label) {
		snprintf(def, sizeof def, "IMAGE %dx%d", w_px, h_px);
		label = def;
	}
	if (cols < 1 || rows < 1)
		return;
	int framed = cols >= 3 && rows >= 3;
	int inner = framed ? cols - 2 : cols;
	int len = (int)strlen(label);
	if (len > inner)
		len = inner;
	int label_row = rows / 2, pad = (inner - len) / 2;
	for (int y = 0; y < rows; y++) {
		int edge = framed && (y == 0 || y == rows - 1);
		for (int x = 0; x < cols; x++) {
			char c = ' ';
			int ix = framed ? x - 1 : x;
			if (framed && (x == 0 || x == cols - 1))
				c = edge ? '+' : '|';
			else if (edge)
				c = '-';
			else if (y == label_row && ix >= pad && ix < pad + len)
				c = label[ix - pad];
			buf_putc(out, c);
		}
		buf_putc(out, '\n');
	}
}
