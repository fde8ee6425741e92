/* lucid.efi: turns every file beside lucid.efi into a boot module (lucid.cfg,
 * guest kernels, initrds), the UEFI counterpart of GRUB's module2 lines, so
 * that one directory on the ESP is a whole lucid installation. */
#include "boot/efi/loader.h"

/* Long enough for any FAT path to our own directory. */
#define PATH_LEN 512

/* Concatenates the file-path nodes of the image's device path (the spec
 * allows the path to be split over several) into an absolute path, and cuts
 * off the file name. */
static void image_dir_path(EFI_DEVICE_PATH *dp, CHAR16 *path, size_t len)
{
	size_t n = 1, cut = 0;

	path[0] = L'\\';
	for (; !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		const CHAR16 *s = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
		size_t max = (DevicePathNodeLength(dp) - SIZE_OF_FILEPATH_DEVICE_PATH) / 2;
		size_t i = 0;

		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		while (i < max && s[i] == L'\\')
			i++;
		if (path[n - 1] != L'\\' && n + 1 < len)
			path[n++] = L'\\';
		for (; i < max && s[i] && n + 1 < len; i++)
			path[n++] = s[i];
	}
	for (size_t i = 0; i < n; i++)
		if (path[i] == L'\\')
			cut = i;
	/* "\x.efi" lives in "\", not in "". */
	path[cut ? cut : 1] = 0;
}

static EFI_FILE_HANDLE open_image_dir(EFI_HANDLE image)
{
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_FILE_HANDLE root, dir;
	EFI_LOADED_IMAGE *li;
	CHAR16 path[PATH_LEN];
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
				       &FileSystemProtocol, (void **)&fs);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (EFI_ERROR(st)) {
		Print(L"lucid.efi: no file system on the boot device (%r), no modules\n", st);
		return NULL;
	}
	image_dir_path(li->FilePath, path, PATH_LEN);
	st = uefi_call_wrapper(root->Open, 5, root, &dir, path, EFI_FILE_MODE_READ, 0);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st)) {
		Print(L"lucid.efi: cannot open directory %s (%r), no modules\n", path, st);
		return NULL;
	}
	return dir;
}

static bool is_efi_name(const CHAR16 *name, size_t n)
{
	static const CHAR16 ext[] = L".efi";

	if (n < 4)
		return false;
	for (size_t i = 0; i < 4; i++)
		if ((name[n - 4 + i] | 0x20) != ext[i])
			return false;
	return true;
}

/* Reads all of an open file into pages below 4 GiB. */
static EFI_STATUS read_whole(EFI_FILE_HANDLE f, u64 size, u64 *base)
{
	EFI_STATUS st;
	u64 done = 0;

	/* An empty file still gets a page, so that base is a real address. */
	st = alloc_low(MAX(size, 1), base);
	while (!EFI_ERROR(st) && done < size) {
		UINTN n = size - done;

		st = uefi_call_wrapper(f->Read, 3, f, &n, (void *)(*base + done));
		if (!EFI_ERROR(st) && n == 0)
			st = EFI_END_OF_FILE; /* shrank under us */
		done += n;
	}
	if (EFI_ERROR(st) && *base)
		free_pages(*base, MAX(size, 1));
	return st;
}

static void module_add(EFI_FILE_HANDLE dir, const EFI_FILE_INFO *fi, struct boot_info *bi)
{
	struct boot_module *m = &bi->mod[bi->nmod];
	size_t n = StrLen(fi->FileName);
	EFI_FILE_HANDLE f;
	EFI_STATUS st;

	if (n >= BOOT_NAME_LEN) {
		Print(L"lucid.efi: warning: skipping %s: name longer than %d characters\n",
		      fi->FileName, BOOT_NAME_LEN - 1);
		return;
	}
	if (bi->nmod == BOOT_MAX_MODULES) {
		Print(L"lucid.efi: warning: skipping %s: more than %d modules\n",
		      fi->FileName, BOOT_MAX_MODULES);
		return;
	}
	m->base = 0;
	st = uefi_call_wrapper(dir->Open, 5, dir, &f, fi->FileName, EFI_FILE_MODE_READ, 0);
	if (!EFI_ERROR(st)) {
		st = read_whole(f, fi->FileSize, &m->base);
		uefi_call_wrapper(f->Close, 1, f);
	}
	if (EFI_ERROR(st)) {
		Print(L"lucid.efi: warning: skipping %s: %r\n", fi->FileName, st);
		return;
	}
	m->size = fi->FileSize;
	ucs2_to_ascii(m->name, BOOT_NAME_LEN, fi->FileName, n);
	bi->nmod++;
	Print(L"lucid.efi: module %a: %ld bytes at 0x%lx\n", m->name, m->size, m->base);
}

void modules_load(EFI_HANDLE image, struct boot_info *bi)
{
	/* EFI_FILE_INFO plus a 255-character FAT long name fits. */
	static u64 buf[(offsetof(EFI_FILE_INFO, FileName) + 2 * 256 + 7) / 8];
	const EFI_FILE_INFO *fi = (const void *)buf;
	EFI_FILE_HANDLE dir = open_image_dir(image);

	if (!dir)
		return;
	for (;;) {
		UINTN n = sizeof(buf);
		EFI_STATUS st = uefi_call_wrapper(dir->Read, 3, dir, &n, buf);

		if (EFI_ERROR(st)) {
			Print(L"lucid.efi: reading the module directory failed (%r)\n", st);
			break;
		}
		if (n == 0)
			break;
		if (fi->Attribute & EFI_FILE_DIRECTORY ||
		    is_efi_name(fi->FileName, StrLen(fi->FileName)))
			continue;
		module_add(dir, fi, bi);
	}
	uefi_call_wrapper(dir->Close, 1, dir);
}

void modules_free(struct boot_info *bi)
{
	for (u32 i = 0; i < bi->nmod; i++)
		free_pages(bi->mod[i].base, MAX(bi->mod[i].size, 1));
	bi->nmod = 0;
}
