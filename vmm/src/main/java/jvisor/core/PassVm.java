package jvisor.core;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import jvisor.bus.InterruptRemapper;
import jvisor.bus.IrqLine;
import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;
import jvisor.engine.GuestMemory;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;

/**
 * The one pass-through VM (BitVisor's {@code create_pass_vm}): every processor's virtual
 * processor shares its port table, its MMIO registry and its interrupt lines.
 */
public final class PassVm implements AutoCloseable {
    private final Vmm vmm;
    private final PortBus ports = new PortBus();
    private final PassThrough passThrough = new PassThrough();
    private final MmioBus mmio = new MmioBus(passThrough);
    private final IoDispatch[] dispatch;
    private final Map<Class<?>, Object> devices = new ConcurrentHashMap<>();
    private final VirtualMachine machine;
    private volatile InterruptRemapper remapper;

    private PassVm(Vmm vmm) {
        this.vmm = vmm;
        this.dispatch = new IoDispatch[vmm.cpuCount()];
        for (int i = 0; i < dispatch.length; i++) {
            dispatch[i] = new IoDispatch(ports, mmio, vmm.stats(i));
        }
        this.machine = vmm.engine().createVm(new VmSpec(vmm.ram(), vmm.cpuCount(), ports, mmio, vmm.config().vendor()));
    }

    /** {@code create_pass_vm}: run by every processor; the barriers keep BitVisor's order. */
    static void create(Processor p) {
        Vmm vmm = p.vmm();
        InitRegistry initfuncs = vmm.initfuncs();
        vmm.syncAllProcessors(p);
        if (p.isBsp()) {
            vmm.trace().step(p, "create_pass_vm", "vmctl.vminit on " + vmm.engine().kind().label());
            vmm.setVm(new PassVm(vmm));
            initfuncs.call(Stage.VCPU, p);
            initfuncs.call(Stage.PASS, p);
        }
        vmm.syncAllProcessors(p);
        if (!p.isBsp()) {
            initfuncs.call(Stage.VCPU, p);
        }
        vmm.syncAllProcessors(p);
        if (p.isBsp()) {
            initfuncs.call(Stage.DRIVER, p);
        }
        vmm.syncAllProcessors(p);
        if (p.isBsp()) {
            vmm.trace().message("Starting a virtual machine.");
        }
        vmm.trace().step(p, "start_vm", p.isBsp() ? "guest entry" + BootTrace.sinceProcessStart() : "waiting for INIT/SIPI");
        MainLoop.run(p);
    }

    @InitFunction(stage = Stage.VCPU, order = 0)
    static void createVcpu(Processor p) {
        PassVm vm = p.vm();
        p.setVcpu(vm.machine.createCpu(p.number(), vm.dispatch[p.number()]));
    }

    /**
     * The BSP starts where the guest loader said, with the PICs and the PIT as the loader's
     * firmware stand-in left them; APs keep their reset state until SIPI.
     */
    @InitFunction(stage = Stage.PASS, order = 1)
    static void loadBootState(Processor p) {
        p.vmm().biosPlatformState().ifPresent(p.vm().machine::setBiosPlatformState);
        p.vcpu().setState(p.vmm().bootState());
    }

    public PortBus ports() {
        return ports;
    }

    public MmioBus mmio() {
        return mmio;
    }

    public PassThrough passThrough() {
        return passThrough;
    }

    public IrqLine irqLine(int gsi) {
        return machine.irqLine(gsi);
    }

    /**
     * A message-signalled interrupt straight to the local APICs, from any thread: what the
     * platform's own units (an IOMMU's fault event) send; no remapping applies.
     */
    public void signalMsi(long address, int data) {
        machine.signalMsi(address, data);
    }

    /** PCI function {@code requester}'s message-signalled interrupt, through the interrupt remapper if there is one. */
    public void signalMsi(int requester, long address, int data) {
        InterruptRemapper r = remapper;
        if (r == null) {
            machine.signalMsi(address, data);
            return;
        }
        InterruptRemapper.MsiMessage m = r.remap(requester, address, data);
        if (m != null) {
            machine.signalMsi(m.address(), m.data());
        }
    }

    /**
     * Puts an interrupt-remapping unit between the PCI functions' MSIs and the local APICs, and
     * between the IOAPIC and them where the engine's IOAPIC is jvisor's (returns whether it is).
     */
    public boolean remapInterrupts(InterruptRemapper r) {
        remapper = r;
        return machine.remapIoApicInterrupts(r);
    }

    /**
     * Records a device so other parts of the VMM can find it by type (the console asks the
     * serial port whether the guest reads input). One device per type.
     */
    public <T> void addDevice(Class<T> type, T device) {
        if (devices.putIfAbsent(type, device) != null) {
            throw new IllegalStateException("a second " + type.getSimpleName() + " in one VM");
        }
    }

    public <T> Optional<T> device(Class<T> type) {
        return Optional.ofNullable(type.cast(devices.get(type)));
    }

    public GuestMemory ram() {
        return vmm.ram();
    }

    public int cpuCount() {
        return vmm.cpuCount();
    }

    public Vmm vmm() {
        return vmm;
    }

    IoDispatch dispatch(int processor) {
        return dispatch[processor];
    }

    /** Stops the VM for {@code cause}: devices call this for power-off, reset and debug-exit. */
    public void requestShutdown(ShutdownCause cause) {
        vmm.requestShutdown(cause);
    }

    public boolean stopping() {
        return vmm.stopping();
    }

    @Override
    public void close() {
        machine.close();
    }
}
