// The fault matrix (test/helpers/fault-matrix.ts) with taiyuan faulty, on its own stack.

import { faultMatrix } from '../../helpers/fault-matrix.ts';

faultMatrix('taiyuan');
