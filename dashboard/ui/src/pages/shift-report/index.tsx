import { Placeholder } from '../../shell/Placeholder.tsx';

export default function Page() {
  return <Placeholder title="nav.shiftReport" />;
}
