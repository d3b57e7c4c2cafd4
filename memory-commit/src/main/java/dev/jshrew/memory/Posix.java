package dev.jshrew.memory;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The handful of Linux memory-management calls this module needs, bound through the FFM linker
 * ({@code java.lang.foreign} only: no {@code sun.misc.Unsafe}, no JNI). Every call captures {@code errno} so a
 * failure can say why. Stateless and thread-safe.
 *
 * <p>The numeric constants are Linux's generic values, identical on x86-64 and aarch64.
 */
final class Posix {
    static final int PROT_NONE = 0;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_FIXED = 0x10;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MAP_POPULATE = 0x8000;
    static final int MADV_HUGEPAGE = 14;
    static final int MADV_POPULATE_WRITE = 23;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EINVAL = 22;
    static final int EHWPOISON = 133;

    private static final int SC_PAGESIZE = 30;
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MMAP =
            bind("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE =
            bind("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MPROTECT =
            bind("mprotect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MINCORE =
            bind("mincore", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle SYSCONF = bind("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    private static final long PAGE_SIZE = sysconf(SC_PAGESIZE);

    private Posix() {}

    /** A failed system call: which call, and its {@code errno}. */
    static final class ErrnoException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String call, int errno) {
            super(call + " failed: " + describe(errno));
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    @SuppressWarnings("restricted") // binding libc is the point of this class; callers need native access
    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + "(): Linux is required"));
        Linker.Option[] options = name.equals("sysconf")
                ? new Linker.Option[0]
                : new Linker.Option[] {Linker.Option.captureCallState("errno")};
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** The OS page size (4096 on x86-64, 4096 or 16384/65536 on aarch64). */
    static long pageSize() {
        return PAGE_SIZE;
    }

    static long roundUp(long value, long alignment) {
        return Math.addExact(value, alignment - 1) & -alignment;
    }

    /**
     * {@code mmap(addr, len, prot, flags, -1, 0)} for anonymous memory; returns the mapped address. With
     * {@link #MAP_FIXED} the result must equal {@code addr}.
     */
    static long mmapAnonymous(long addr, long len, int prot, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment result = (MemorySegment)
                    MMAP.invokeExact(state, MemorySegment.ofAddress(addr), len, prot, flags | MAP_ANONYMOUS, -1, 0L);
            if (result.address() == MAP_FAILED) {
                throw new ErrnoException(
                        String.format(Locale.ROOT, "mmap(%d MiB, %s)", len >> 20, flagNames(flags)), errno(state));
            }
            return result.address();
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("mmap downcall", t);
        }
    }

    static void munmap(long addr, long len) throws ErrnoException {
        call(MUNMAP, "munmap", addr, len, null);
    }

    static void madvise(long addr, long len, int advice) throws ErrnoException {
        call(
                MADVISE,
                advice == MADV_POPULATE_WRITE
                        ? "madvise(MADV_POPULATE_WRITE)"
                        : advice == MADV_HUGEPAGE ? "madvise(MADV_HUGEPAGE)" : "madvise(" + advice + ")",
                addr,
                len,
                advice);
    }

    static void mprotect(long addr, long len, int prot) throws ErrnoException {
        call(MPROTECT, prot == PROT_NONE ? "mprotect(PROT_NONE)" : "mprotect(PROT_READ|PROT_WRITE)", addr, len, prot);
    }

    /**
     * Counts the pages of {@code [addr, addr+len)} that are resident ({@code mincore}); {@code addr} must be
     * page-aligned.
     */
    static long residentPages(long addr, long len) throws ErrnoException {
        long pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
        if (pages == 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            // One byte per page; round the vector up to whole longs so it can be counted eight pages at a time.
            MemorySegment vec = arena.allocate(roundUp(pages, Long.BYTES), Long.BYTES);
            int rc = (int) MINCORE.invokeExact(state, MemorySegment.ofAddress(addr), len, vec);
            if (rc != 0) {
                throw new ErrnoException("mincore", errno(state));
            }
            long resident = 0;
            // Only bit 0 of each byte is defined ("resident"); the others are reserved.
            for (long off = 0; off < vec.byteSize(); off += Long.BYTES) {
                resident += Long.bitCount(vec.get(ValueLayout.JAVA_LONG_UNALIGNED, off) & 0x0101010101010101L);
            }
            return resident;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("mincore downcall", t);
        }
    }

    private static void call(MethodHandle handle, String name, long addr, long len, Integer arg) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int rc = arg == null
                    ? (int) handle.invokeExact(state, MemorySegment.ofAddress(addr), len)
                    : (int) handle.invokeExact(state, MemorySegment.ofAddress(addr), len, arg.intValue());
            if (rc != 0) {
                throw new ErrnoException(name, errno(state));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(name + " downcall", t);
        }
    }

    private static long sysconf(int name) {
        try {
            long value = (long) SYSCONF.invokeExact(name);
            if (value <= 0 || Long.bitCount(value) != 1) {
                throw new IllegalStateException("sysconf(_SC_PAGESIZE) returned " + value);
            }
            return value;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("sysconf downcall", t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** {@code ENOMEM (Cannot allocate memory)} for the codes memory calls return, {@code errno 123} otherwise. */
    static String describe(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM (Operation not permitted)";
            case EINTR -> "EINTR (Interrupted system call)";
            case EAGAIN -> "EAGAIN (Resource temporarily unavailable)";
            case ENOMEM -> "ENOMEM (Cannot allocate memory)";
            case EACCES -> "EACCES (Permission denied)";
            case EFAULT -> "EFAULT (Bad address)";
            case EINVAL -> "EINVAL (Invalid argument)";
            case EHWPOISON -> "EHWPOISON (Memory page has hardware error)";
            default -> "errno " + errno;
        };
    }

    private static String flagNames(int flags) {
        StringBuilder sb = new StringBuilder("MAP_PRIVATE|MAP_ANONYMOUS");
        if ((flags & MAP_FIXED) != 0) {
            sb.append("|MAP_FIXED");
        }
        if ((flags & MAP_NORESERVE) != 0) {
            sb.append("|MAP_NORESERVE");
        }
        if ((flags & MAP_POPULATE) != 0) {
            sb.append("|MAP_POPULATE");
        }
        return sb.toString();
    }
}
