// ioctl is variadic, which Swift cannot call: this one-line wrapper asks a terminal its width.
#include <sys/ioctl.h>

/// The columns of the terminal on `fd`; 0 where `fd` is no terminal or the terminal does not say.
static inline int winnow_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
