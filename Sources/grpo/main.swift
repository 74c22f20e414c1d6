import GRPOCLI
import Tensors

OpenBLASCoreType.ensureBestKernels()
GRPOCommand.main()
