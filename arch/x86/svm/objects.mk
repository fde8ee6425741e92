# The AMD SVM back end.
kobjs += $(addprefix arch/x86/svm/, svm.o svm_entry.o svm_guest_check.o)
