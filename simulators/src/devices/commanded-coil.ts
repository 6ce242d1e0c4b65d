/**
 * A device driven by one command coil (a shut-off valve's, a motor starter's): a coil write sets the command, unless
 * the device's commandIgnored fault holds (the write is acknowledged, the coil reads back the old command), and a
 * command set as a quantity is 0 or 1.
 */
import { type DeviceModel, ModbusDevice, type QuantityDefinition } from './device.ts';

export abstract class CommandedCoilDevice extends ModbusDevice {
  constructor(
    id: string,
    model: DeviceModel,
    quantities: readonly QuantityDefinition[],
    /** The indices of its `command` quantity and of its `commandIgnored` fault. */
    private readonly command: number,
    private readonly commandIgnored: number,
  ) {
    super(id, model, quantities);
  }

  override writeCoil(_address: number, value: boolean): void {
    if (!this.flag(this.commandIgnored)) this.values[this.command] = value ? 1 : 0;
    this.refresh();
  }

  protected override quantityChanged(index: number): void {
    if (index === this.command) this.values[this.command] = this.values[this.command] !== 0 ? 1 : 0;
  }
}
