/** The OPC UA client reads a tank farm that a site file starts, with units from the server's EngineeringUnits. */
import { describe, expect, it } from 'vitest';
import { createOpcuaConnection } from '@hazmon/protocols';
import { tankNodeId } from '@hazmon/simulators';
import { ReadingLog, startTestSite, trackResources } from '../helpers/harness.ts';

const track = trackResources();

describe('OPC UA tank farm from a site', () => {
  it('subscribes to a tank started by startSite and follows its level', async () => {
    const site = track(
      await startTestSite({
        name: 'tank-farm',
        opcua: [{ name: 'farm', port: 0, tanks: [{ id: 'T-7', heightMm: 12000, levelMm: 5432.5, pressureKPa: 102.5, temperatureC: 18.25 }] }],
      }),
    );
    const endpointUrl = site.endpoints.find((endpoint) => endpoint.deviceId === 'T-7')!.endpointUrl!;
    const log = new ReadingLog();
    const connection = track(
      createOpcuaConnection(
        {
          id: 'farm',
          endpointUrl,
          publishingIntervalMs: 100,
          points: [
            { id: 'T-7.level', nodeId: tankNodeId('T-7', 'Level'), samplingIntervalMs: 100 },
            { id: 'T-7.temperature', nodeId: tankNodeId('T-7', 'Temperature'), samplingIntervalMs: 100 },
          ],
        },
        { onReadings: log.onReadings },
      ),
    );
    const started = await connection.start();
    expect(started.ok).toBe(true);
    expect(await log.next('T-7.level', (reading) => reading.value === 5432.5, 0, 30_000)).toMatchObject({ quality: 'good', unit: 'mm' });
    expect(await log.next('T-7.temperature', (reading) => reading.value === 18.25, 0, 30_000)).toMatchObject({ quality: 'good', unit: 'degC' });

    site.device('T-7').set('level', 6100);
    const moved = await log.next('T-7.level', (reading) => reading.value === 6100, log.mark(), 30_000);
    expect(moved.quality).toBe('good');
    expect(moved.sourceTime).not.toBeNull();
  }, 90_000);
});
