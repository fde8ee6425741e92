# Host tools built from lucid's own sources. build/lucid-cfg checks a
# lucid.cfg with the parser lucid runs at boot; run it as tools/lucid-cfg.
TCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -I. -DLUCID_HOST_TEST

# It links lucid's built-in guests (hv/builtin/) to know their names.
LUCID_CFG_SRCS := tools/lucid-cfg.c hv/config/config.c hv/builtin/builtin.c lib/fmt.c lib/nearest.c \
	lib/string.c
LUCID_CFG_OBJS := $(B)/k/hv/builtin/images.o

all: $(B)/lucid-cfg

$(B)/lucid-cfg: $(LUCID_CFG_SRCS) $(LUCID_CFG_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $(LUCID_CFG_SRCS) $(LUCID_CFG_OBJS)
	@# -MMD would keep only the last source's headers: one -MM over all,
	@# without the sources (the rule's own: a moved one must not stop make).
	@$(CC) $(TCFLAGS) -MM -MP -MT $@ $(LUCID_CFG_SRCS) | sed 's/[^ ]*\.c\>//g' > $@.d

-include $(B)/lucid-cfg.d
