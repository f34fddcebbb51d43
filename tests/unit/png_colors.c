// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * png_colors FILE.png RRGGBB...: print, per colour, how many pixels of the
 * image have exactly that colour ("RRGGBB N" lines). Used by
 * tests/unit/report.sh to see both histograms in a Chromium screenshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

int main(int argc, char **argv)
{
	png_image img;
	png_bytep px;
	size_t i, n;
	int c;

	if (argc < 3) {
		fprintf(stderr, "usage: png_colors FILE.png RRGGBB...\n");
		return 1;
	}
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, argv[1])) {
		fprintf(stderr, "png_colors: %s: %s\n", argv[1], img.message);
		return 1;
	}
	img.format = PNG_FORMAT_RGB;
	px = malloc(PNG_IMAGE_SIZE(img));
	if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
		fprintf(stderr, "png_colors: %s: %s\n", argv[1], img.message);
		return 1;
	}
	n = (size_t)img.width * img.height;
	printf("size %ux%u\n", img.width, img.height);
	for (c = 2; c < argc; c++) {
		unsigned long rgb = strtoul(argv[c], NULL, 16);
		size_t count = 0;

		for (i = 0; i < n; i++)
			count += px[3 * i] == (rgb >> 16 & 0xff) && px[3 * i + 1] == (rgb >> 8 & 0xff) &&
				 px[3 * i + 2] == (rgb & 0xff);
		printf("%s %zu\n", argv[c], count);
	}
	free(px);
	return 0;
}
