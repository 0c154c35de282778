/* ui/model images: PNG decode, fit and resampling, sixel encoding checked
 * by decoding the sixel back (libsixel's sixel_decode_raw) and comparing
 * size and colours, half-block cells, the text placeholder, the cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <png.h>
#include <sixel.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/halfblock.h"
#include "../../ui/model/imgcache.h"
#include "../../ui/model/placeholder.h"
#include "../../ui/model/sixel.h"
#include "../../src/util/b64.h"

static const uint8_t RED[4] = { 255, 0, 0, 255 }, GREEN[4] = { 0, 255, 0, 255 },
		     BLUE[4] = { 0, 0, 255, 255 }, WHITE[4] = { 255, 255, 255, 255 },
		     CLEAR[4] = { 0, 0, 0, 0 };

/* Quadrants: red | green over blue | white. */
static ui_image quadrants(int w, int h)
{
	ui_image img = { w, h, malloc((size_t)w * h * 4) };
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			const uint8_t *c = y < h / 2 ? (x < w / 2 ? RED : GREEN) : (x < w / 2 ? BLUE : WHITE);
			memcpy(img.rgba + ((size_t)y * w + x) * 4, c, 4);
		}
	return img;
}

static void *png_encode(const ui_image *img, size_t *len)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	im.width = (png_uint_32)img->w;
	im.height = (png_uint_32)img->h;
	im.format = PNG_FORMAT_RGBA;
	png_alloc_size_t n = 0;
	assert_true(png_image_write_to_memory(&im, NULL, &n, 0, img->rgba, 0, NULL));
	void *mem = malloc(n);
	assert_true(png_image_write_to_memory(&im, mem, &n, 0, img->rgba, 0, NULL));
	*len = n;
	return mem;
}

static const uint8_t *px(const ui_image *img, int x, int y)
{
	return img->rgba + ((size_t)y * img->w + x) * 4;
}

static void test_png_decode(void **state)
{
	(void)state;
	ui_image src = quadrants(40, 20), out;
	size_t len;
	void *png = png_encode(&src, &len);
	sbx_err e;
	assert_int_equal(img_png_decode(png, len, &out, &e), 0);
	assert_int_equal(out.w, 40);
	assert_int_equal(out.h, 20);
	assert_memory_equal(out.rgba, src.rgba, 40 * 20 * 4);
	img_free(&out);
	/* Base64 with line breaks, as notebooks store it. */
	char *b64 = b64_encode(png, len);
	size_t bl = strlen(b64);
	char *wrapped = malloc(bl * 2 + 2);
	size_t k = 0;
	for (size_t i = 0; i < bl; i++) {
		wrapped[k++] = b64[i];
		if (i % 60 == 59)
			wrapped[k++] = '\n';
	}
	wrapped[k++] = '\n';
	assert_int_equal(img_png_decode_b64(wrapped, k, &out, &e), 0);
	assert_int_equal(out.w, 40);
	img_free(&out);
	assert_int_equal(img_png_decode_b64("!!!!", 4, &out, &e), -1);
	assert_non_null(strstr(e.msg, "base64"));
	assert_int_equal(img_png_decode("not a png", 9, &out, &e), -1);
	assert_non_null(strstr(e.msg, "not a PNG"));
	assert_null(out.rgba);
	((unsigned char *)png)[len / 2] ^= 0xff; /* corrupt the data */
	assert_int_equal(img_png_decode(png, len, &out, &e), -1);
	free(wrapped);
	free(b64);
	free(png);
	img_free(&src);
}

static void test_fit_scale(void **state)
{
	(void)state;
	int w, h;
	img_fit(640, 480, 100, 100, 0, &w, &h);
	assert_true(w == 100 && h == 75);
	img_fit(640, 480, 1000, 1000, 0, &w, &h);
	assert_true(w == 640 && h == 480);
	img_fit(640, 480, 1280, 1280, 1, &w, &h);
	assert_true(w == 1280 && h == 960);
	img_fit(10, 1000, 50, 50, 0, &w, &h);
	assert_true(w == 1 && h == 50);
	img_fit(0, 0, 0, 0, 0, &w, &h);
	assert_true(w == 1 && h == 1);

	ui_image q = quadrants(40, 20), s;
	img_scale(&q, 20, 10, &s);
	assert_memory_equal(px(&s, 0, 0), RED, 4);
	assert_memory_equal(px(&s, 19, 0), GREEN, 4);
	assert_memory_equal(px(&s, 0, 9), BLUE, 4);
	assert_memory_equal(px(&s, 19, 9), WHITE, 4);
	img_free(&s);
	/* Odd factors average across the boundary: 40 → 3 columns. */
	img_scale(&q, 3, 1, &s);
	assert_int_equal(s.w, 3);
	img_free(&s);
	img_scale(&q, 80, 40, &s);
	assert_memory_equal(px(&s, 0, 0), RED, 4);
	assert_memory_equal(px(&s, 79, 39), WHITE, 4);
	img_free(&s);
	img_free(&q);
	/* Transparent pixels do not darken: red + clear → red at half alpha. */
	ui_image t = { 2, 1, malloc(8) };
	memcpy(t.rgba, RED, 4);
	memcpy(t.rgba + 4, CLEAR, 4);
	img_scale(&t, 1, 1, &s);
	assert_int_equal(s.rgba[0], 255);
	assert_int_equal(s.rgba[1], 0);
	assert_int_equal(s.rgba[3], 128);
	uint8_t *rgb = img_flatten(&t, (ui_rgb){ 0, 0, 255 });
	assert_int_equal(rgb[0], 255);
	assert_int_equal(rgb[5], 255); /* the clear pixel shows the background */
	free(rgb);
	img_free(&s);
	img_free(&t);
}

/* Decodes a sixel string back to RGB pixels. */
static void sixel_back(const sbx_buf *six, int *w, int *h, uint8_t **rgb, int *ncolors)
{
	unsigned char *pixels = NULL, *palette = NULL;
	SIXELSTATUS st = sixel_decode_raw((unsigned char *)six->data, (int)six->len, &pixels, w, h, &palette,
					  ncolors, NULL);
	assert_true(SIXEL_SUCCEEDED(st));
	*rgb = malloc((size_t)*w * *h * 3);
	for (int i = 0; i < *w * *h; i++)
		memcpy(*rgb + i * 3, palette + pixels[i] * 3, 3);
	sixel_allocator_t *a = NULL;
	assert_true(SIXEL_SUCCEEDED(sixel_allocator_new(&a, NULL, NULL, NULL, NULL)));
	sixel_allocator_free(a, pixels);
	sixel_allocator_free(a, palette);
	sixel_allocator_unref(a);
}

/* Sixel colours are percentages and libsixel's histogram drops low bits
 * (pure red comes back as 97%): allow that much. */
static void assert_near(const uint8_t *got, const uint8_t *want)
{
	for (int c = 0; c < 3; c++)
		if (abs(got[c] - want[c]) > 10)
			fail_msg("colour %d,%d,%d != %d,%d,%d", got[0], got[1], got[2], want[0], want[1], want[2]);
}

static void test_sixel_round_trip(void **state)
{
	(void)state;
	/* PNG bytes → RGBA → fitted to a 20x12-cell box of 8x16 px → sixel. */
	ui_image q = quadrants(320, 192), dec, fitted;
	size_t len;
	void *png = png_encode(&q, &len);
	sbx_err e;
	assert_int_equal(img_png_decode(png, len, &dec, &e), 0);
	int w, h;
	img_fit(dec.w, dec.h, 20 * 8, 12 * 16, 0, &w, &h);
	assert_true(w == 160 && h == 96);
	img_scale(&dec, w, h, &fitted);
	sbx_buf six = SBX_BUF_INIT;
	buf_puts(&six, "");
	assert_int_equal(img_sixel_encode(&fitted, 16, (ui_rgb){ 0, 0, 0 }, &six, &e), 0);
	assert_true(six.len > 10);
	assert_memory_equal(six.data, "\x1bP", 2);
	assert_memory_equal(six.data + six.len - 2, "\x1b\\", 2);
	int sw, sh, nc;
	uint8_t *rgb;
	sixel_back(&six, &sw, &sh, &rgb, &nc);
	assert_int_equal(sw, 160);
	assert_int_equal(sh, 96);
	assert_true(nc >= 4 && nc <= 16);
	assert_near(rgb + (10 * sw + 10) * 3, RED);
	assert_near(rgb + (10 * sw + 150) * 3, GREEN);
	assert_near(rgb + (80 * sw + 10) * 3, BLUE);
	assert_near(rgb + (80 * sw + 150) * 3, WHITE);
	free(rgb);
	/* Transparent areas take the background colour. */
	ui_image t = { 6, 6, calloc(6 * 6, 4) };
	buf_reset(&six);
	assert_int_equal(img_sixel_encode(&t, 256, (ui_rgb){ 0, 0, 255 }, &six, &e), 0);
	sixel_back(&six, &sw, &sh, &rgb, &nc);
	assert_true(sw == 6 && sh == 6);
	assert_near(rgb, BLUE);
	free(rgb);
	ui_image empty = { 0, 0, NULL };
	assert_int_equal(img_sixel_encode(&empty, 16, (ui_rgb){ 0, 0, 0 }, &six, &e), -1);
	buf_free(&six);
	img_free(&t);
	img_free(&fitted);
	img_free(&dec);
	img_free(&q);
	free(png);
}

static void test_halfblock(void **state)
{
	(void)state;
	/* 2x2: red on top, blue below → two cells, ▀ red over blue. */
	ui_image img = { 2, 2, malloc(16) };
	memcpy(img.rgba, RED, 4);
	memcpy(img.rgba + 4, RED, 4);
	memcpy(img.rgba + 8, BLUE, 4);
	memcpy(img.rgba + 12, BLUE, 4);
	hb_cell cells[6];
	int uc, ur;
	img_halfblock(&img, 3, 2, 256, cells, &uc, &ur);
	assert_true(uc == 2 && ur == 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cells[i].top, 196);
		assert_int_equal(cells[i].bottom, 21);
	}
	assert_int_equal(cells[2].top, -1);
	assert_int_equal(cells[3].bottom, -1);
	img_halfblock(&img, 2, 1, 8, cells, &uc, &ur);
	assert_true(cells[0].top == 1 && cells[0].bottom == 4);
	img_halfblock(&img, 2, 1, 16, cells, &uc, &ur);
	assert_true(cells[0].top == 9 && cells[0].bottom == 4); /* ff0000 is 9; 0000ff nearest 0000ee */
	uint32_t ch;
	ui_attr a;
	hb_glyph(cells[0], &ch, &a);
	assert_int_equal(ch, HB_UPPER);
	assert_true(a.fg == 9 && a.bg == 4);
	/* Left red, right blue: whole cells of one colour. */
	memcpy(img.rgba + 4, BLUE, 4);
	memcpy(img.rgba + 8, RED, 4);
	img_halfblock(&img, 2, 1, 256, cells, &uc, &ur);
	assert_true(cells[0].top == 196 && cells[0].bottom == 196);
	assert_true(cells[1].top == 21 && cells[1].bottom == 21);
	hb_glyph(cells[0], &ch, &a);
	assert_true(ch == ' ' && a.bg == 196);
	/* Transparent top: lower half block in the bottom colour. */
	memcpy(img.rgba, CLEAR, 4);
	img_halfblock(&img, 2, 1, 256, cells, &uc, &ur);
	hb_glyph(cells[0], &ch, &a);
	assert_true(ch == HB_LOWER && a.fg == 196 && a.bg == -1);
	hb_glyph((hb_cell){ -1, -1 }, &ch, &a);
	assert_true(ch == ' ' && a.bg == -1);
	img_free(&img);
	/* A big picture shrinks to the cells, keeping its aspect. */
	ui_image q = quadrants(400, 100);
	hb_cell grid[40 * 10];
	img_halfblock(&q, 40, 10, 256, grid, &uc, &ur);
	assert_true(uc == 40 && ur == 5);
	assert_int_equal(grid[0].top, 196);
	assert_int_equal(grid[39].top, 46);
	assert_int_equal(grid[4 * 40].bottom, 21);
	assert_int_equal(grid[4 * 40 + 39].bottom, 231);
	assert_int_equal(grid[5 * 40].top, -1);
	img_halfblock(&q, 0, 0, 256, grid, &uc, &ur);
	assert_true(uc == 0 && ur == 0);
	img_free(&q);
}

static void test_placeholder(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	img_placeholder(640, 480, 20, 5, NULL, &b);
	assert_string_equal(buf_cstr(&b), "+------------------+\n"
					  "|                  |\n"
					  "|  IMAGE 640x480   |\n"
					  "|                  |\n"
					  "+------------------+\n");
	buf_reset(&b);
	img_placeholder(640, 480, 6, 1, NULL, &b);
	assert_string_equal(buf_cstr(&b), "IMAGE \n");
	buf_reset(&b);
	img_placeholder(1, 1, 1, 1, "chart", &b);
	assert_string_equal(buf_cstr(&b), "c\n");
	buf_reset(&b);
	img_placeholder(1, 1, 5, 3, "chart: sales", &b);
	assert_string_equal(buf_cstr(&b), "+---+\n|cha|\n+---+\n");
	buf_reset(&b);
	img_placeholder(1, 1, 0, 3, NULL, &b);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_cache(void **state)
{
	(void)state;
	imgcache *c = imgcache_new(100);
	imgcache_key k1 = { img_hash("a", 1), 1, 40, 10, 8, 16, 256 }, k2 = k1, k3 = k1;
	k2.cols = 80; /* same image, other size: another entry */
	k3.hash = img_hash("b", 1);
	assert_true(k1.hash != k3.hash);
	char data[60];
	memset(data, 'x', sizeof data);
	imgcache_put(c, &k1, data, 40);
	imgcache_put(c, &k2, data, 40);
	size_t len;
	assert_non_null(imgcache_get(c, &k1, &len)); /* k1 is now the most recent */
	assert_int_equal(len, 40);
	imgcache_put(c, &k3, data, 40);               /* 120 > 100: evicts k2 */
	assert_null(imgcache_get(c, &k2, &len));
	assert_non_null(imgcache_get(c, &k1, &len));
	assert_non_null(imgcache_get(c, &k3, &len));
	assert_int_equal(imgcache_count(c), 2);
	assert_int_equal(imgcache_bytes(c), 80);
	imgcache_put(c, &k3, "yy", 2);                 /* replace */
	const char *got = imgcache_get(c, &k3, &len);
	assert_true(len == 2 && memcmp(got, "yy", 2) == 0);
	imgcache_forget(c, k1.hash);
	assert_int_equal(imgcache_count(c), 1);
	char big[500] = { 0 };
	imgcache_put(c, &k1, big, sizeof big);         /* over budget alone: kept */
	assert_int_equal(imgcache_count(c), 1);
	assert_non_null(imgcache_get(c, &k1, &len));
	imgcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_decode),
		cmocka_unit_test(test_fit_scale),
		cmocka_unit_test(test_sixel_round_trip),
		cmocka_unit_test(test_halfblock),
		cmocka_unit_test(test_placeholder),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests_name("ui_image", tests, NULL, NULL);
}
