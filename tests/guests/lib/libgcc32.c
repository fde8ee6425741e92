/* 64-bit division for 32-bit guests: gcc calls these for u64 / and %, and
 * there is no 32-bit libgcc on the build machines. Shift and subtract. */
#include "guest.h"

u64 __udivmoddi4(u64 n, u64 d, u64 *rem);
u64 __udivdi3(u64 n, u64 d);
u64 __umoddi3(u64 n, u64 d);
s64 __divdi3(s64 n, s64 d);
s64 __moddi3(s64 n, s64 d);

u64 __udivmoddi4(u64 n, u64 d, u64 *rem)
{
	u64 q = 0, r = 0;

	if (d == 0) {
		/* What the hardware would do: #DE. */
		asm volatile("divl %0" : : "r"(0u) : "eax", "edx");
	}
	for (int i = 63; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

u64 __udivdi3(u64 n, u64 d)
{
	return __udivmoddi4(n, d, NULL);
}

u64 __umoddi3(u64 n, u64 d)
{
	u64 r;

	__udivmoddi4(n, d, &r);
	return r;
}

s64 __divdi3(s64 n, s64 d)
{
	u64 q = __udivdi3(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d);

	return (n < 0) != (d < 0) ? -(s64)q : (s64)q;
}

s64 __moddi3(s64 n, s64 d)
{
	u64 r = __umoddi3(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d);

	return n < 0 ? -(s64)r : (s64)r;
}
