#include "hv/config/cmdline.h"
#include "lib/string.h"

bool cmdline_get(const char *s, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);

	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s;
		while (*s && *s != ' ')
			s++;
		size_t wlen = (size_t)(s - w);
		if (wlen >= klen && !strncmp(w, key, klen) && (wlen == klen || w[klen] == '=')) {
			const char *v = wlen == klen ? w + klen : w + klen + 1;
			size_t vlen = (size_t)(s - v);
			if (len) {
				vlen = MIN(vlen, len - 1);
				memcpy(val, v, vlen);
				val[vlen] = '\0';
			}
			return true;
		}
	}
	return false;
}
